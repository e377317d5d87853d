"""Forecast risk: one-day VaR/ES models of the portfolio's return and their backtests.

Pure and sans-I/O. Conventions (also in ``core/risk/CONVENTIONS.md``): simple daily returns,
zero mean, VaR and ES as positive one-day losses, out of sample (the forecast for day ``t``
uses only returns before ``t``); an exceedance is a day whose loss ``-r_t`` is larger than that
day's VaR forecast.

    daily     the portfolio's daily return sample (and realised variance from hourly bars)
    tails     the common forecast container and the normal / Student-t / empirical tails
    ewma      RiskMetrics EWMA
    garch     GARCH(1,1) normal and Student-t (fitted with ``arch``), filtered historical
              simulation on its residuals
    har       HAR of realised variance (the learned model)
    quantreg  quantile regression on the same lags (the learned candidate HAR was chosen over)
    backtest  exceedances, Kupiec, Christoffersen, McNeil-Frey and Acerbi-Szekely ES tests,
              the Basel traffic-light zone
    engine    run a model or all of them and build the typed reports
    views     the typed reports (pydantic; importing them does not pull numpy in)

The package's ``__init__`` imports nothing so that the view models stay cheap to import.
"""
