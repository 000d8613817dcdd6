# Reference values for a time-varying exposure (issue 22, item 3): follow-up split at the
# exposure start with tmerge(..., tdc(day)) and Cox on the counting-process rows.
#
# Data (written into the JSON): 160 simulated patients with integer days; an exposure that
# starts during follow-up for some (days tied with event and censoring days included),
# on or before day 0 for some, after the end of follow-up for some, never (NA) for others;
# a baseline covariate age. The exposure lowers the hazard (log HR -0.5) once started.
#  * rows: tmerge's tstart, tstop, event, exposed and id;
#  * cox: coxph(Surv(tstart, tstop, event) ~ exposed + age) Efron and Breslow, and Efron
#    with cluster(id) (robust variance, one cluster per patient);
#  * naive: the immortal-time-biased model that classifies patients as exposed from day 0
#    when they are ever exposed during follow-up (coxph(Surv(time, event) ~ ever + age)).
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/tvc.R
# writes tests/reference/tvc.json. Missing values (never exposed) are written as null.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
cols <- function(m) lapply(seq_len(ncol(m)), function(j) fin(m[, j]))

set.seed(2203)
n <- 160
base <- data.frame(id = seq_len(n), age = round(rnorm(n, 62, 9)))
day <- sample(c(NA, -3, 0, 1:30), n, TRUE, prob = c(0.25, 0.03, 0.05, rep(0.67 / 30, 30)))
# event hazard 0.04 per day, times 0.6 once exposed; simulate day by day (integer days)
time <- event <- integer(n)
for (i in seq_len(n)) {
  t <- 0
  repeat {
    t <- t + 1
    exposed <- !is.na(day[i]) && day[i] < t
    if (runif(1) < 0.04 * exp(-0.5 * exposed + 0.02 * (base$age[i] - 62))) { event[i] <- 1L; break }
    if (runif(1) < 0.02 || t >= 60) break
  }
  time[i] <- t
}
base$time <- time; base$event <- event; base$day <- day
stopifnot(any(day == time, na.rm = TRUE), any(day > time, na.rm = TRUE))

d <- tmerge(base[, c("id", "age")], base, id = id, event = event(time, event))
d <- tmerge(d, base[!is.na(base$day), c("id", "day")], id = id, exposed = tdc(day))
d$exposed[is.na(d$exposed)] <- 0

fit_case <- function(name, fit) {
  list(name = name, coef = fin(coef(fit)), var = cols(vcov(fit)),
       se = fin(sqrt(diag(fit$naive.var %||% vcov(fit)))), loglik = fin(fit$loglik),
       score = fit$score, wald = fit$wald.test, rscore = fit$rscore %||% NA, n = fit$n,
       nevent = fit$nevent)
}
`%||%` <- function(a, b) if (is.null(a)) b else a
base$ever <- as.integer(!is.na(base$day) & base$day < base$time)
out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  patients = as.list(base[, c("id", "age", "time", "event", "day")]),
  rows = list(id = d$id, start = d$tstart, stop = d$tstop, event = d$event,
              exposed = d$exposed),
  cox = list(
    fit_case("efron", coxph(Surv(tstart, tstop, event) ~ exposed + age, data = d)),
    fit_case("breslow", coxph(Surv(tstart, tstop, event) ~ exposed + age, data = d,
                              ties = "breslow")),
    fit_case("efron_cluster_id", coxph(Surv(tstart, tstop, event) ~ exposed + age, data = d,
                                       cluster = id))),
  naive = fit_case("ever_exposed_from_day_0", coxph(Surv(time, event) ~ ever + age,
                                                    data = base))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = FALSE), "tests/reference/tvc.json")
