# Numbers at risk under a Kaplan-Meier plot, as R's survival package counts them.
#
# Regenerate (R >= 4.2 with survival and jsonlite):
#   Rscript tests/reference/numbers_at_risk.R   (from the repository root)
# writes tests/reference/numbers_at_risk.json, read by tests/report/test_numbers_at_risk.py.
#
# Data: survival::lung (NCCTG advanced lung cancer, public), time in days, by sex; and
# survival::veteran by trt. summary(fit, times = t)$n.risk is the number at risk at the
# start of each interval (observed time >= t), the count printed under KM plots by
# survminer/ggsurvfit. extend = TRUE keeps times beyond the last observation (n.risk = 0).
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

case <- function(name, time, status, group, times) {
  fit <- survfit(Surv(time, status) ~ group)
  s <- summary(fit, times = times, extend = TRUE)
  strata <- sub("^group=", "", as.character(s$strata))
  expected <- lapply(split(s$n.risk, strata), as.integer)
  list(name = name, time = time, status = as.integer(status), group = as.character(group),
       times = times, n_at_risk = expected)
}

lung_status <- lung$status - 1  # 1 = censored, 2 = dead in the package's coding
cases <- list(
  case("lung_by_sex_every_100_days", lung$time, lung_status, lung$sex, seq(0, 1100, by = 100)),
  # breaks that fall exactly on observed times (ties at the break count as at risk)
  case("lung_by_sex_on_event_times", lung$time, lung_status, lung$sex, c(0, 11, 12, 13, 15, 26, 30, 31, 53, 54)),
  case("veteran_by_trt_every_90_days", veteran$time, veteran$status, veteran$trt, seq(0, 1080, by = 90))
)
out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
            cases = cases)
write_json(out, "tests/reference/numbers_at_risk.json", auto_unbox = TRUE, digits = NA, pretty = FALSE)
