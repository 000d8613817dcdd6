# Reference values for weighted RMST and weighted cumulative incidence (issue 22, item 4).
#
# Data (written into the JSON): 240 simulated patients, two groups, a confounder x, integer
# days (ties of events, competing events and censorings), stabilised ATE weights from
# glm(g ~ x + z, binomial) (non-integer, so R uses the robust variance for the curves).
#  * rmst: survfit(Surv(time, event) ~ g, weights = w): per group print(fit, rmean = tau)'s
#    rmean and se(rmean) (summary(fit, rmean = tau)$table), tau = 150;
#  * cif: survfit(Surv(time, factor(status, 0:2)) ~ 1, weights = w) per group: time,
#    pstate and std.err of the states 1 and 2 (the infinitesimal jackknife with weights),
#    n.risk (weighted);
#  * the same with integer frequency weights (1..3), where the expanded data give the same
#    estimate.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/weighted_curves.R
# writes tests/reference/weighted_curves.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

set.seed(2204)
n <- 240
x <- rnorm(n); z <- rbinom(n, 1, 0.4)
g <- rbinom(n, 1, plogis(0.8 * x - 0.5 * z))
t1 <- ceiling(rexp(n, 0.01 * exp(0.5 * x - 0.4 * g)))
t2 <- ceiling(rexp(n, 0.006 * exp(0.3 * z)))
cens <- ceiling(runif(n, 20, 300))
time <- pmin(t1, t2, cens)
status <- ifelse(time == cens & cens < pmin(t1, t2), 0L, ifelse(t1 <= t2, 1L, 2L))
event <- as.integer(status > 0)
ps <- fitted(glm(g ~ x + z, binomial))
p1 <- mean(g)
w <- ifelse(g == 1, p1 / ps, (1 - p1) / (1 - ps))
fw <- sample(1:3, n, TRUE)
tau <- 150

rmst <- function(wt) {
  fit <- survfit(Surv(time, event) ~ g, weights = wt)
  tab <- summary(fit, rmean = tau)$table
  list(rmean = unname(tab[, "rmean"]), se = unname(tab[, "se(rmean)"]))
}
cif <- function(wt) {
  lapply(0:1, function(k) {
    s <- g == k
    f <- survfit(Surv(time[s], factor(status[s], 0:2)) ~ 1, weights = wt[s])
    list(time = f$time, pstate1 = f$pstate[, 2], pstate2 = f$pstate[, 3],
         se1 = f$std.err[, 2], se2 = f$std.err[, 3], n_risk = f$n.risk[, 1])
  })
}
out <- list(time = time, status = status, event = event, group = g, weights = w,
            freq = fw, tau = tau,
            rmst = rmst(w), cif = cif(w), rmst_freq = rmst(fw), cif_freq = cif(fw))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reference/weighted_curves.json")
