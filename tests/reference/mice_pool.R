# Reference values for multiple imputation pooled with Rubin's rules (issue 22, item 7).
#
# mice's own imputations are random and are not expected to match ours draw for draw; what
# must match is the pooling: the same completed datasets, fitted and pooled, give the same
# pooled estimates, variances and degrees of freedom. So this script exports
#  * the m = 5 completed datasets mice produced (lung with two covariates made partly
#    missing at random here: sex, and an ECOG factor with levels 0, 1, 2+);
#  * pool(with(imp, coxph(...))) and pool(with(imp, glm(..., binomial))): estimate, ubar,
#    b, t, dfcom, df, riv, lambda, fmi, and from summary(..., conf.int = TRUE) std.error,
#    statistic, p.value, 2.5 %, 97.5 %;
#  * pool.scalar() of a mean with dfcom = n - 1, to cover the scalar route.
# Methods: pmm for numeric covariates, logreg for the binary factor, polyreg for the 3-level
# factor (mice's defaults), maxit = 10, seed 2211.
#
# Regenerate (R >= 4.2, survival 3.5-x, mice 3.15, jsonlite) from the repository root:
#     Rscript tests/reference/mice_pool.R
# writes tests/reference/mice_pool.json.
suppressPackageStartupMessages({ library(survival); library(mice); library(jsonlite) })

d <- survival::lung
d <- data.frame(time = d$time, status = as.integer(d$status == 2), age = d$age,
                sex = factor(ifelse(d$sex == 1, "male", "female"), levels = c("male", "female")),
                ecog = factor(ifelse(is.na(d$ph.ecog), NA,
                                     ifelse(d$ph.ecog >= 2, "2+", as.character(d$ph.ecog))),
                              levels = c("0", "1", "2+")),
                karno = d$ph.karno, wt_loss = d$wt.loss, meal_cal = d$meal.cal)
set.seed(7)
d$sex[sample(nrow(d), 12)] <- NA
d$ecog[sample(nrow(d), 9)] <- NA

imp <- mice(d, m = 5, maxit = 10, seed = 2211, printFlag = FALSE)
stopifnot(identical(unname(imp$method[c("sex", "ecog", "karno", "wt_loss", "meal_cal")]),
                    c("logreg", "polyreg", "pmm", "pmm", "pmm")))

completed <- lapply(seq_len(imp$m), function(k) {
  x <- complete(imp, k)
  list(time = x$time, status = x$status, age = x$age, sex = as.character(x$sex),
       ecog = as.character(x$ecog), karno = x$karno, wt_loss = x$wt_loss,
       meal_cal = x$meal_cal)
})

pooled <- function(fits) {
  p <- pool(fits)$pooled
  s <- summary(pool(fits), conf.int = TRUE)
  list(term = as.character(p$term), estimate = p$estimate, ubar = p$ubar, b = p$b, t = p$t,
       dfcom = p$dfcom, df = p$df, riv = p$riv, lambda = p$lambda, fmi = p$fmi,
       std_error = s$std.error, statistic = s$statistic, p_value = s$p.value,
       conf_low = s[["2.5 %"]], conf_high = s[["97.5 %"]])
}
cox_fits <- with(imp, coxph(Surv(time, status) ~ age + sex + ecog + karno + wt_loss))
glm_fits <- with(imp, glm(status ~ age + sex + karno + meal_cal, family = binomial))
sc <- pool.scalar(sapply(seq_len(imp$m), function(k) mean(complete(imp, k)$meal_cal)),
                  sapply(seq_len(imp$m), function(k) var(complete(imp, k)$meal_cal) / nrow(d)),
                  n = nrow(d), k = 1)

out <- list(
  mice_version = as.character(packageVersion("mice")),
  data = lapply(as.list(d), function(v) if (is.factor(v)) as.character(v) else v),
  completed = completed,
  cox = pooled(cox_fits),
  glm = pooled(glm_fits),
  scalar = list(qbar = sc$qbar, ubar = sc$ubar, b = sc$b, t = sc$t, df = sc$df, r = sc$r,
                fmi = sc$fmi, n = nrow(d), k = 1)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"),
           "tests/reference/mice_pool.json")
