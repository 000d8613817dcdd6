# Reference values for four statistical edge cases (issue 16, item 7), on simulated data
# written into the JSON (the tests need no R):
#  * interaction_robust: the treatment x subgroup interaction when the Cox variance is robust
#    (non-integer case weights, or robust = TRUE). anova(fit0, fit1) refuses ("Can't do
#    anova tables with robust variances"); the test is then the Wald test of the interaction
#    coefficients of fit1 with its robust variance: b' V^-1 b on length(b) df.
#  * finegray_day0: cmprsk::crr on 60 patients with integer-day times, ties everywhere, and
#    a censoring and a competing event on day 0 (crr reads its censoring Kaplan-Meier at
#    time * (1 - eps), which is 0 itself on day 0: G(0), not G(0-)).
#  * balance: standardised mean differences after 1:1 matching (MatchIt nearest, ATT) and
#    after ATE weights, with the denominator computed by hand from the UNMATCHED sample:
#    the treated-arm SD (cobalt's s.d.denom = "treated", its default for a matchit object
#    whose estimand is the ATT) and the pooled SD sqrt((s1^2 + s0^2) / 2); s^2 is var() for
#    continuous and p (1 - p) for 0/1 columns (cobalt's binary = "std"). MatchIt's own
#    summary() SMDs are kept as a second, independent check.
#  * km_scale: survfit std.err on the four variance paths (Greenwood unweighted and with
#    integer weights; infinitesimal jackknife with non-integer weights and with
#    robust = TRUE): fit$std.err, fit$logse (TRUE: fit$std.err is the SE of log S; FALSE: of
#    S) and summary(fit, censored = TRUE)$std.err (always the SE of S).
#
# Regenerate (R >= 4.2, survival 3.5-x, cmprsk 2.2-11, MatchIt 4.x, jsonlite), from the
# repository root:
#     Rscript tests/reference/edge_cases.R
# writes tests/reference/edge_cases.json. Non-finite values are written as null.
suppressPackageStartupMessages({
  library(survival); library(cmprsk); library(MatchIt); library(jsonlite)
})

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
cols <- function(m) lapply(seq_len(ncol(m)), function(j) fin(m[, j]))

# ---- (a) interaction test with a robust variance ------------------------------------------
set.seed(16071)
n <- 180
ia <- data.frame(trt = rbinom(n, 1, 0.5), sub = sample(c("lo", "mid", "hi"), n, TRUE),
                 age = round(rnorm(n, 60, 8), 1), site = sample(c("north", "south"), n, TRUE))
rate <- 0.03 * exp(-0.4 * ia$trt + 0.5 * (ia$sub == "hi") + 0.6 * ia$trt * (ia$sub == "hi") +
                     0.02 * (ia$age - 60))
tt <- ceiling(rexp(n, rate)); cc <- ceiling(runif(n, 5, 80))
ia$time <- pmin(tt, cc); ia$event <- as.integer(tt <= cc)
ia$w <- round(runif(n, 0.4, 3), 3)
ia$arm <- ifelse(ia$trt == 1, "exp", "ctl")
ia$sub2 <- ifelse(ia$sub == "hi", "hi", "other")

inter_robust <- function(name, f0, f1, ties, weights = TRUE, robust = NULL, ...) {
  args <- list(data = ia, ties = ties)
  if (weights) args$weights <- ia$w
  if (!is.null(robust)) args$robust <- robust
  fit0 <- do.call(coxph, c(list(formula = f0), args))
  fit1 <- do.call(coxph, c(list(formula = f1), args))
  msg <- tryCatch({ anova(fit0, fit1); "" }, error = function(e) conditionMessage(e))
  idx <- grep(":", names(coef(fit1)))
  b <- coef(fit1)[idx]; v <- vcov(fit1)[idx, idx, drop = FALSE]
  stat <- drop(t(b) %*% solve(v, b))
  list(name = name, ties = ties, weighted = weights, robust = robust, ...,
       anova_error = msg, terms = I(names(b)), coef = I(fin(b)), var = cols(v),
       robust_se = I(fin(sqrt(diag(v)))), statistic = stat, df = length(b),
       p = pchisq(stat, length(b), lower.tail = FALSE), loglik = fin(fit1$loglik))
}
interaction_robust <- list(
  inter_robust("weights_efron_age", Surv(time, event) ~ trt + sub + age,
               Surv(time, event) ~ trt + sub + age + trt:sub, "efron",
               treatment = "trt", subgroup = "sub", covariates = I("age"), strata = NULL),
  inter_robust("weights_breslow_strata", Surv(time, event) ~ arm + sub2 + strata(site),
               Surv(time, event) ~ arm + sub2 + strata(site) + arm:sub2, "breslow",
               treatment = "arm", subgroup = "sub2", covariates = I(character(0)),
               strata = "site"),
  inter_robust("unweighted_robust", Surv(time, event) ~ trt + sub,
               Surv(time, event) ~ trt + sub + trt:sub, "efron", weights = FALSE,
               robust = TRUE, treatment = "trt", subgroup = "sub",
               covariates = I(character(0)), strata = NULL)
)

# ---- (b) Fine-Gray with a censoring and a competing event on day 0 -------------------------
fg_data <- function(seed, day0) {
  set.seed(seed)
  n <- 60
  d <- data.frame(time = sample(1:40, n, TRUE),
                  status = sample(0:2, n, TRUE, prob = c(0.3, 0.4, 0.3)),
                  arm = sample(c("A", "B"), n, TRUE), age = round(rnorm(n, 62, 9)))
  k <- length(day0)
  d$time[seq_len(k)] <- 0
  d$status[seq_len(k)] <- day0
  d
}
crr_fit <- function(name, d, cause = 1) {
  x <- model.matrix(~ arm + age, data = d)[, -1, drop = FALSE]
  fits <- lapply(list(default = 1e-6, tight = 1e-12), function(g)
    crr(d$time, d$status, x, failcode = cause, cencode = 0, gtol = g,
        maxiter = if (g < 1e-6) 100 else 10))
  out <- lapply(fits, function(f) list(
    coef = I(fin(f$coef)), var = cols(f$var), inf = cols(f$inf), score = I(fin(f$score)),
    loglik = fin(f$loglik), loglik_null = fin(f$loglik.null), converged = f$converged))
  # the censoring Kaplan-Meier as crr reads it, at each sorted time * (1 - eps)
  u <- survfit(Surv(d$time, d$status == 0) ~ 1)
  g <- summary(u, times = sort(d$time * (1 - .Machine$double.eps)))$surv
  list(name = name, cause = cause, terms = I(colnames(x)),
       data = list(time = d$time, status = d$status, arm = d$arm, age = d$age),
       g_crr = fin(g), default = out$default, tight = out$tight)
}
finegray_day0 <- list(
  # censored x2, competing x2 and one failure of the cause on day 0
  crr_fit("day0_cens_comp_fail", fg_data(6024, c(0, 0, 2, 2, 1))),
  # censored and competing on day 0, no failure there
  crr_fit("day0_cens_comp", fg_data(6028, c(0, 2, 2))),
  # the other cause modelled: day-0 competing events are then the failures of cause 1
  crr_fit("day0_cause2", fg_data(6024, c(0, 0, 2, 2, 1)), cause = 2)
)

# ---- (c) balance denominators -------------------------------------------------------------
set.seed(4242)
n <- 140
bd <- data.frame(x1 = round(rnorm(n, 50, 10), 1), x2 = rbinom(n, 1, 0.4), x3 = rpois(n, 2))
bd$treat <- rbinom(n, 1, plogis(-0.9 + 0.05 * (bd$x1 - 50) + 0.9 * bd$x2 - 0.2 * bd$x3))
m <- matchit(treat ~ x1 + x2 + x3, data = bd, method = "nearest", distance = "glm")
ps <- glm(treat ~ x1 + x2 + x3, data = bd, family = binomial)$fitted.values
w_ate <- ifelse(bd$treat == 1, 1 / ps, 1 / (1 - ps))
X <- as.matrix(bd[, c("x1", "x2", "x3")])
binary <- c(FALSE, TRUE, FALSE)
arm_var <- function(x, b) if (b) mean(x) * (1 - mean(x)) else var(x)
t1 <- bd$treat == 1
s1 <- sapply(1:3, function(j) sqrt(arm_var(X[t1, j], binary[j])))
s0 <- sapply(1:3, function(j) sqrt(arm_var(X[!t1, j], binary[j])))
pooled <- sqrt((s1^2 + s0^2) / 2)
wdiff <- function(w) sapply(1:3, function(j)
  weighted.mean(X[t1, j], w[t1]) - weighted.mean(X[!t1, j], w[!t1]))
raw <- colMeans(X[t1, ]) - colMeans(X[!t1, ])
sm <- summary(m, standardize = TRUE)
balance <- list(
  data = list(x1 = bd$x1, x2 = bd$x2, x3 = bd$x3, treat = bd$treat),
  names = I(colnames(X)), binary = I(binary),
  matching_weights = as.numeric(m$weights), ate_weights = as.numeric(w_ate),
  sd_treated = s1, sd_pooled = pooled,
  smd_before_treated = raw / s1, smd_before_pooled = raw / pooled,
  smd_matched_treated = wdiff(m$weights) / s1, smd_matched_pooled = wdiff(m$weights) / pooled,
  smd_ate_pooled = wdiff(w_ate) / pooled,
  matchit_smd_all = unname(sm$sum.all[colnames(X), "Std. Mean Diff."]),
  matchit_smd_matched = unname(sm$sum.matched[colnames(X), "Std. Mean Diff."])
)

# ---- (d) Kaplan-Meier standard errors on each variance path --------------------------------
set.seed(303)
n <- 45
kd <- data.frame(time = ceiling(rexp(n, 1 / 20)), event = rbinom(n, 1, 0.7))
kd$event[which.max(kd$time)] <- 1  # the curve reaches 0
kd$w_frac <- round(runif(n, 0.5, 2.5), 2)
kd$w_int <- sample(1:3, n, TRUE)
km_case <- function(name, weights = NULL, robust = NULL) {
  args <- list(formula = Surv(time, event) ~ 1, data = kd)
  if (!is.null(weights)) args$weights <- kd[[weights]]
  if (!is.null(robust)) args$robust <- robust
  fit <- do.call(survfit, args)
  s <- summary(fit, censored = TRUE)
  list(name = name, weights = weights, robust = robust, logse = fit$logse,
       time = fit$time, survival = fit$surv, fit_std_err = fin(fit$std.err),
       summary_std_err = fin(s$std.err), conf_low = fin(fit$lower), conf_high = fin(fit$upper))
}
km_scale <- list(
  km_case("greenwood"),
  km_case("greenwood_integer_weights", weights = "w_int"),
  km_case("robust_fractional_weights", weights = "w_frac"),
  km_case("robust_unweighted", robust = TRUE)
)

out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  cmprsk = as.character(packageVersion("cmprsk")),
                  MatchIt = as.character(packageVersion("MatchIt"))),
  interaction_data = as.list(ia[, c("time", "event", "trt", "arm", "sub", "sub2", "age",
                                    "site", "w")]),
  interaction_robust = interaction_robust, finegray_day0 = finegray_day0,
  balance = balance, km_data = as.list(kd), km_scale = km_scale
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = FALSE),
           "tests/reference/edge_cases.json")
