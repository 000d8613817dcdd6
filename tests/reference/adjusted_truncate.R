# Reference values for [analyses.adjusted] truncate = q (issue 22, item 5): IPTW weights
# capped at their q quantile, by hand (WeightIt is not installed here):
#   ps  <- glm(treat ~ age + visceral, binomial)   (maximum likelihood)
#   ATE stabilised: treated mean(t) / ps, reference (1 - mean(t)) / (1 - ps);
#   ATT stabilised: treated 1, reference ps / (1 - ps) rescaled to sum to n0;
#   trim [lo, hi]: patients with ps outside get weight 0 and leave the stabilising shares;
#   truncation: cap <- quantile(w[kept], q) (type 7, R's default; numpy's "linear"),
#               w <- pmin(w, cap) over the kept patients; truncated = kept & w > cap.
# Outcome: coxph(Surv(os_days, os_event) ~ treat, weights = w, robust = TRUE) on the
# patients with w > 0 (coef, robust SE, model SE).
#
# Data (written into the JSON): 160 simulated patients, two groups, age and a binary
# covariate that confound treatment and survival, integer-day times with ties.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/adjusted_truncate.R
# writes tests/reference/adjusted_truncate.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

set.seed(2205)
n <- 160
d <- data.frame(age = round(rnorm(n, 60, 10), 1), visceral = rbinom(n, 1, 0.55))
d$treat <- rbinom(n, 1, plogis(-0.3 + 0.06 * (d$age - 60) + 1.1 * d$visceral))
rate <- 1 / 400 * exp(-0.4 * d$treat + 0.02 * (d$age - 60) + 0.5 * d$visceral)
tt <- ceiling(rexp(n, rate)); cc <- ceiling(runif(n, 60, 900))
d$os_days <- pmin(tt, cc); d$os_event <- as.integer(tt <= cc)
ps <- glm(treat ~ age + visceral, data = d, family = binomial)$fitted.values

case <- function(name, estimand, q, trim = NULL) {
  keep <- if (is.null(trim)) rep(TRUE, n) else ps >= trim[1] & ps <= trim[2]
  t <- d$treat; w <- numeric(n)
  tr <- keep & t == 1; ct <- keep & t == 0
  if (estimand == "ATE") {
    p1 <- sum(tr) / sum(keep)
    w[tr] <- p1 / ps[tr]; w[ct] <- (1 - p1) / (1 - ps[ct])
  } else {  # ATT
    w[tr] <- 1; w[ct] <- ps[ct] / (1 - ps[ct]); w[ct] <- w[ct] * sum(ct) / sum(w[ct])
  }
  cap <- unname(quantile(w[keep], q, type = 7))
  cut <- keep & w > cap
  w[cut] <- cap
  sel <- w > 0
  fit <- coxph(Surv(os_days, os_event) ~ treat, data = d[sel, ], weights = w[sel],
               robust = TRUE)
  list(name = name, estimand = estimand, truncate = q, trim = trim, weights = w,
       truncation_cap = cap, n_truncated = c(treated = sum(cut & t == 1),
                                             control = sum(cut & t == 0)),
       coef = unname(coef(fit)), robust_se = unname(sqrt(diag(fit$var))),
       model_se = unname(sqrt(diag(fit$naive.var))))
}

out <- list(
  data = d, ps = unname(ps),
  cases = list(
    case("ate_truncated_090", "ATE", 0.90),
    case("att_truncated_095", "ATT", 0.95),
    case("ate_trimmed_truncated_090", "ATE", 0.90, trim = c(0.2, 0.85))
  ),
  r_version = R.version.string, survival_version = as.character(packageVersion("survival"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"),
           "tests/reference/adjusted_truncate.json")
