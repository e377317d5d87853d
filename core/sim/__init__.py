"""The built-in simulated exchange: a seeded market, its books and venues behind the port."""
