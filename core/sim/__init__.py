"""The built-in simulated exchange: a seeded synthetic market behind the exchange port."""
