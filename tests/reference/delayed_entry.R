# Reference values for delayed entry / left truncation (issue 22, item 2): Kaplan-Meier and
# Cox on counting-process data Surv(entry, time, event). Row i is at risk on (entry, time]:
# an entry on day t is not at risk at an event on day t.
#
# Data (written into the JSON, the tests need no R): 90 simulated records with integer days,
# many tied times, entries drawn from the same days as the exits (so entries tie with event
# times), a continuous and a binary covariate, two strata, integer and fractional weights,
# and a patient id that groups two or three records (clusters for the robust variance).
#  * km: survfit on several variance paths (Greenwood with log / log-log / plain bands,
#    integer weights; infinitesimal jackknife with fractional weights and with robust=TRUE),
#    the rows (time, n.risk, n.event, n.censor, surv, summary std.err, limits), the median
#    and its CI, and summary(fit, times=) between and beyond the rows.
#  * cox: coxph Efron and Breslow, with strata, integer weights, fractional weights with
#    cluster(id), robust=TRUE with cluster(row) and cluster(patient): coef, var, naive var,
#    loglik, score test, Wald test, robust score test.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/delayed_entry.R
# writes tests/reference/delayed_entry.json. Non-finite values are written as null.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
cols <- function(m) lapply(seq_len(ncol(m)), function(j) fin(m[, j]))

set.seed(22022)
n <- 90
d <- data.frame(entry = sample(0:12, n, TRUE), x = round(rnorm(n), 2), g = rbinom(n, 1, 0.4),
                s = sample(c("a", "b"), n, TRUE))
d$time <- d$entry + sample(1:15, n, TRUE)
d$event <- rbinom(n, 1, 0.65)
d$w_int <- sample(1:3, n, TRUE)
d$w_frac <- round(runif(n, 0.3, 2.5), 3)
d$patient <- rep(seq_len(ceiling(n / 3)), each = 3)[seq_len(n)]
d$row <- seq_len(n)
stopifnot(any(d$entry %in% d$time[d$event == 1]))

km_case <- function(name, weights = NULL, robust = NULL, conf_type = "log") {
  args <- list(formula = Surv(entry, time, event) ~ 1, data = d, conf.type = conf_type)
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(robust)) { args$robust <- robust; args$id <- d$row }
  fit <- do.call(survfit, args)
  s <- summary(fit, censored = TRUE)
  q <- quantile(fit, 0.5)
  at <- summary(fit, times = c(0.5, 3.5, 7, 11.5, 40), extend = TRUE)
  list(name = name, weights = weights, robust = robust, conf_type = conf_type,
       logse = fit$logse, time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
       n_censor = fit$n.censor, survival = fit$surv, std_err = fin(s$std.err),
       conf_low = fin(fit$lower), conf_high = fin(fit$upper),
       median = fin(c(q$quantile, q$lower, q$upper)),
       at = list(time = at$time, survival = at$surv, std_err = fin(at$std.err),
                 n_risk = at$n.risk))
}
km <- list(
  km_case("greenwood_log"),
  km_case("greenwood_loglog", conf_type = "log-log"),
  km_case("greenwood_plain", conf_type = "plain"),
  km_case("greenwood_integer_weights", weights = "w_int"),
  km_case("robust_fractional_weights", weights = "w_frac"),
  km_case("robust_unweighted", robust = TRUE)
)

cox_case <- function(name, formula, ties = "efron", weights = NULL, cluster = NULL,
                     strata = NULL) {
  args <- list(formula = formula, data = d, ties = ties)
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(cluster)) args$cluster <- d[[cluster]]
  fit <- do.call(coxph, args)
  list(name = name, ties = ties, weights = weights, cluster = cluster, strata = strata,
       coef = fin(coef(fit)), var = cols(vcov(fit)), naive_var = cols(fit$naive.var %||% vcov(fit)),
       loglik = fin(fit$loglik), score = fit$score, wald = fit$wald.test,
       rscore = fit$rscore %||% NA, n = fit$n, nevent = fit$nevent)
}
`%||%` <- function(a, b) if (is.null(a)) b else a
f1 <- Surv(entry, time, event) ~ x + g
f2 <- Surv(entry, time, event) ~ x + g + strata(s)
cox <- list(
  cox_case("efron", f1),
  cox_case("breslow", f1, ties = "breslow"),
  cox_case("efron_strata", f2, strata = "s"),
  cox_case("breslow_strata", f2, ties = "breslow", strata = "s"),
  cox_case("efron_integer_weights", f1, weights = "w_int"),
  cox_case("efron_fractional_weights_cluster_row", f1, weights = "w_frac", cluster = "row"),
  cox_case("efron_robust_row", f1, cluster = "row"),
  cox_case("breslow_robust_patient", f1, ties = "breslow", cluster = "patient"),
  cox_case("efron_strata_robust_patient", f2, cluster = "patient", strata = "s")
)

out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  data = as.list(d), km = km, cox = cox
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = FALSE), "tests/reference/delayed_entry.json")
