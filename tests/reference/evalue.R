# Reference values for E-values of hazard ratios (issue 22, item 6).
#
# The EValue R package is not installed here (not on CRAN's Debian mirror: no r-cran-evalue),
# so its evalues.HR() formulas are written out from the papers:
#   VanderWeele TJ, Ding P. Ann Intern Med 2017;167:268-274 (E = RR + sqrt(RR (RR - 1)),
#   RR < 1 inverted first; the CI limit closest to 1, E = 1 when the CI contains 1);
#   VanderWeele TJ. Biometrics 2020;76:746-752 (common outcome: HR -> RR by
#   (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)); rare outcome: RR = HR).
# Cases: a grid of estimates and limits on both sides of 1, intervals containing 1, HR = 1,
# and the hazard ratios of two Cox models fitted here on simulated data (one protective,
# one harmful), so that the chain coxph -> E-value is covered.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/evalue.R
# writes tests/reference/evalue.json. A missing value (no CI) is written as null.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

hr_to_rr <- function(hr, rare) {
  if (rare || hr == 1) return(hr)
  (1 - 0.5^sqrt(hr)) / (1 - 0.5^sqrt(1 / hr))
}
threshold <- function(rr) {
  if (rr < 1) rr <- 1 / rr
  rr + sqrt(rr * (rr - 1))
}
evalue_hr <- function(est, lo = NA, hi = NA, rare) {
  rr <- hr_to_rr(est, rare)
  e <- threshold(rr)
  rr_lo <- rr_hi <- e_ci <- NA; limit <- NA
  if (!is.na(lo)) {
    rr_lo <- hr_to_rr(lo, rare); rr_hi <- hr_to_rr(hi, rare)
    if (rr_lo <= 1 && rr_hi >= 1) { e_ci <- 1; limit <- "crosses 1" }
    else if (rr > 1) { e_ci <- threshold(rr_lo); limit <- "lower" }
    else { e_ci <- threshold(rr_hi); limit <- "upper" }
  }
  list(hr = est, lo = lo, hi = hi, rare = rare, rr = rr, rr_lo = rr_lo, rr_hi = rr_hi,
       evalue = e, evalue_ci = e_ci, limit = limit)
}

grid <- list(c(0.5, 0.3, 0.8), c(2.3, 1.4, 3.9), c(0.72, 0.51, 1.02), c(1.3, 0.9, 1.8),
             c(1, 0.8, 1.25), c(0.2, 0.05, 0.7), c(4.1, 1.01, 16), c(1.05, 1.01, 1.09),
             c(0.97, NA, NA), c(3, NA, NA))
cases <- list()
for (g in grid) for (rare in c(TRUE, FALSE))
  cases[[length(cases) + 1]] <- evalue_hr(g[1], g[2], g[3], rare)

set.seed(2217)
n <- 300
d <- data.frame(x = rbinom(n, 1, 0.5), z = rnorm(n))
t_ev <- rexp(n, 0.02 * exp(-0.6 * d$x + 0.3 * d$z))
t_c <- runif(n, 5, 60)
d$time <- ceiling(pmin(t_ev, t_c)); d$event <- as.integer(t_ev <= t_c)
cox_case <- function(f) {
  s <- summary(coxph(f, data = d))$conf.int
  list(hr = s[1, 1], lo = s[1, 3], hi = s[1, 4],
       rare = evalue_hr(s[1, 1], s[1, 3], s[1, 4], TRUE),
       common = evalue_hr(s[1, 1], s[1, 3], s[1, 4], FALSE))
}
out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  grid = cases,
  cox_data = as.list(d[, c("time", "event", "x", "z")]),
  cox = list(protective = c(cox_case(Surv(time, event) ~ x + z), term = "x"),
             harmful = c(cox_case(Surv(time, event) ~ I(1 - x) + z), term = "1 - x")),
  event_fraction = mean(d$event)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = FALSE), "tests/reference/evalue.json")
