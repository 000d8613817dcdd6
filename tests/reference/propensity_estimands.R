# Reference values for the ATC and overlap (ATO) estimands and weight truncation
# (issue 22, item 4), by hand-written formulas (WeightIt is not installed here):
#   ATO (Li, Morgan & Zaslavsky 2018): treated 1 - ps, controls ps (never stabilised);
#   ATC: treated (1 - ps) / ps, controls 1; stabilised: treated rescaled to sum to n1;
#   ATE stabilised: treated mean(t) / ps, controls (1 - mean(t)) / (1 - ps);
#   truncation at quantile q (Cole & Hernan 2008): pmin(w, quantile(w, q)) over the
#   retained units; trimming (Crump): units with ps outside (lo, hi) are left out.
# For each weighting: the weights, Kish effective sizes per arm, the number truncated per
# arm, and the outcome analyses coxph(Surv(time, event) ~ treat, weights = w,
# robust = TRUE) (coef, robust and model SE, robust score, Wald) and the weighted
# survfit (robust variance: non-integer weights) read at four times per arm.
#
# Data (written into the JSON): 400 simulated patients, 3 covariates (one binary),
# integer-day times with ties.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/propensity_estimands.R
# writes tests/reference/propensity_estimands.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

set.seed(2204)
n <- 400
d <- data.frame(x1 = round(rnorm(n), 3), x2 = rbinom(n, 1, 0.4), x3 = round(runif(n, 20, 80)))
lp <- -1 + 0.8 * d$x1 + 0.9 * d$x2 + 0.03 * (d$x3 - 50)
d$treat <- rbinom(n, 1, plogis(lp))
rate <- 0.03 * exp(-0.4 * d$treat + 0.3 * d$x1 + 0.4 * d$x2)
tt <- ceiling(rexp(n, rate)); cc <- ceiling(runif(n, 10, 70))
d$time <- pmin(tt, cc); d$event <- as.integer(tt <= cc)
d$ps <- glm(treat ~ x1 + x2 + x3, data = d, family = binomial)$fitted.values

weights_for <- function(estimand, stabilize, ps, t) {
  p1 <- mean(t)
  w <- switch(estimand,
    ATE = ifelse(t == 1, 1 / ps, 1 / (1 - ps)) * (if (stabilize) ifelse(t == 1, p1, 1 - p1) else 1),
    ATT = ifelse(t == 1, 1, ps / (1 - ps)),
    ATC = ifelse(t == 1, (1 - ps) / ps, 1),
    ATO = ifelse(t == 1, 1 - ps, ps))
  if (stabilize && estimand == "ATC") w[t == 1] <- w[t == 1] * sum(t == 1) / sum(w[t == 1])
  if (stabilize && estimand == "ATT") w[t == 0] <- w[t == 0] * sum(t == 0) / sum(w[t == 0])
  w
}
kish <- function(w) sum(w)^2 / sum(w^2)

case <- function(name, estimand, stabilize, trim = NULL, truncate = NULL) {
  keep <- if (is.null(trim)) rep(TRUE, n) else d$ps >= trim[1] & d$ps <= trim[2]
  s <- d[keep, ]
  w <- weights_for(estimand, stabilize, s$ps, s$treat)
  cap <- NA; ntr <- c(0, 0)
  if (!is.null(truncate)) {
    cap <- unname(quantile(w, truncate))
    cut <- w > cap
    ntr <- c(sum(cut & s$treat == 1), sum(cut & s$treat == 0))
    w <- pmin(w, cap)
  }
  full <- numeric(n); full[keep] <- w
  fit <- coxph(Surv(time, event) ~ treat, data = s, weights = w, robust = TRUE)
  km <- lapply(c(1, 0), function(a) {
    f <- survfit(Surv(time, event) ~ 1, data = s[s$treat == a, ], weights = w[s$treat == a])
    sm <- summary(f, times = c(5, 15, 30, 45), extend = TRUE)
    list(arm = a, survival = sm$surv, std_err = sm$std.err)
  })
  list(name = name, estimand = estimand, stabilized = stabilize, trim = trim,
       truncate = truncate, weights = full, n_trimmed = c(sum(!keep & d$treat == 1),
                                                          sum(!keep & d$treat == 0)),
       truncation_cap = cap, n_truncated = ntr,
       ess = c(kish(w[s$treat == 1]), kish(w[s$treat == 0])),
       coef = unname(coef(fit)), robust_se = sqrt(vcov(fit)[1, 1]),
       se = sqrt(fit$naive.var[1, 1]), rscore = fit$rscore, wald = unname(fit$wald.test),
       km = km)
}
cases <- list(
  case("ato", "ATO", FALSE),
  case("ato_trimmed", "ATO", FALSE, trim = c(0.1, 0.9)),
  case("atc", "ATC", FALSE),
  case("atc_stabilized", "ATC", TRUE),
  case("atc_stabilized_truncated", "ATC", TRUE, truncate = 0.95),
  case("ate_stabilized_truncated", "ATE", TRUE, truncate = 0.99),
  case("att_truncated", "ATT", FALSE, truncate = 0.9)
)
# balance: SMDs after weighting with the unweighted denominator of the estimand (cobalt's
# defaults: control SD for the ATC, pooled for ATO); s^2 = var() or p (1 - p) for 0/1
X <- as.matrix(d[, c("x1", "x2", "x3")]); binary <- c(FALSE, TRUE, FALSE)
arm_var <- function(x, b) if (b) mean(x) * (1 - mean(x)) else var(x)
t1 <- d$treat == 1
s1 <- sapply(1:3, function(j) arm_var(X[t1, j], binary[j]))
s0 <- sapply(1:3, function(j) arm_var(X[!t1, j], binary[j]))
wdiff <- function(w) sapply(1:3, function(j)
  weighted.mean(X[t1, j], w[t1]) - weighted.mean(X[!t1, j], w[!t1]))
balance <- list(
  ato = wdiff(cases[[1]]$weights) / sqrt((s1 + s0) / 2),
  atc = wdiff(cases[[4]]$weights) / sqrt(s0))
out <- list(
  balance = balance,
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  data = as.list(d), cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = FALSE), "tests/reference/propensity_estimands.json")
