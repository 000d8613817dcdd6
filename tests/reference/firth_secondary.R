# Reference values for Firth's penalised Cox fit in the cause-specific and subgroup models
# (issue 22, item 8): when the ordinary likelihood is monotone (a group without events of
# the cause, or in a subgroup level), retrostudy reports Firth's estimate, as for the
# endpoint models. coxphf is not used: as in tests/reference/cox.R, the penalised
# log-likelihood l(b) + 0.5 log det I(b) is evaluated with coxph (Breslow ties, iter.max = 0
# at init = b) and maximised here; CI and p from the profile penalised likelihood ratio
# (Heinze & Schemper 2001).
#
# Synthetic data (not the T-DM1 example), written into the JSON: 150 patients, groups A/B,
# status 1 (progression), 2 (death without progression), 0 (censored); no deaths without
# progression in group A; a "site" variable whose level "rare" has no progression in A.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/firth_secondary.R
# writes tests/reference/firth_secondary.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

set.seed(8022)
n <- 150
group <- sample(c("A", "B"), n, TRUE)
site <- ifelse(runif(n) < 0.2, "rare", "common")
time <- sample(5:900, n, TRUE)
status <- sample(0:2, n, TRUE, prob = c(0.3, 0.5, 0.2))
status[group == "A" & status == 2] <- 0L
status[group == "A" & site == "rare" & status == 1] <- 0L
d <- data.frame(patient_id = sprintf("F%03d", seq_len(n)), group = group, site = site,
                time = time, status = status)

firth1 <- function(t, e, x) {
  # one covariate (group B vs A, 0/1): penalised log-likelihood at b
  pen <- function(b) {
    f <- suppressWarnings(coxph(Surv(t, e) ~ x, ties = "breslow", init = b,
                                control = coxph.control(iter.max = 0)))
    f$loglik[2] + 0.5 * log(1 / f$var[1, 1])
  }
  opt <- optimize(function(b) -pen(b), c(-15, 15), tol = 1e-12)
  bhat <- opt$minimum; lmax <- -opt$objective
  q <- qchisq(0.95, 1)
  g <- function(b) 2 * (lmax - pen(b)) - q
  ci <- c(uniroot(g, c(bhat - 25, bhat), tol = 1e-12)$root,
          uniroot(g, c(bhat, bhat + 25), tol = 1e-12)$root)
  ml <- tryCatch({ coxph(Surv(t, e) ~ x, ties = "breslow"); "" },
                 warning = function(w) conditionMessage(w))
  list(coef = bhat, hazard_ratio = exp(bhat), conf_low = exp(ci[1]), conf_high = exp(ci[2]),
       p = pchisq(2 * (lmax - pen(0)), 1, lower.tail = FALSE), ml_warning = ml)
}
x <- as.integer(d$group == "A")  # hazard ratio of A vs the reference B
rare <- d$site == "rare"
out <- list(
  data = d,
  cause_specific_death = firth1(d$time, as.integer(d$status == 2), x),
  subgroup_rare_progression = firth1(d$time[rare], as.integer(d$status[rare] == 1), x[rare]),
  r_version = R.version.string, survival_version = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"),
           "tests/reference/firth_secondary.json")
