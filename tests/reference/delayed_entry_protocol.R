# Reference values for delayed entry as a protocol option ([[analyses.survival]] entry):
# Kaplan-Meier per group, Cox models and the Cox score test on Surv(entry, time, event), for
# a synthetic three-group study (not the T-DM1 example) where 40% of the patients enter
# observation after time zero (referred in). Integer days with ties; some entries fall on
# event days (not at risk at that event, as R's (start, stop] intervals).
#
# The data are written into the JSON, so the tests need no R. R's survdiff does not accept
# counting-process data: the groups are compared with the score test of the unadjusted Cox
# model (summary(fit)$sctest), which is what retrostudy reports in its place.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/delayed_entry_protocol.R
# writes tests/reference/delayed_entry_protocol.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

set.seed(20261207)
n <- 240
group <- sample(c("Early", "Late", "Ref"), n, TRUE, prob = c(0.3, 0.3, 0.4))
age <- round(rnorm(n, 62, 9))
ecog <- sample(c("0", "1", "2"), n, TRUE, prob = c(0.45, 0.4, 0.15))
rate <- 1 / 400 * ifelse(group == "Early", 0.7, ifelse(group == "Late", 1.2, 1)) *
  ifelse(ecog == "2", 1.8, 1)
death <- ceiling(rexp(n, rate))
cens <- sample(150:1200, n, TRUE)
time <- pmin(death, cens)
event <- as.integer(death <= cens)
# referred in: entry uniform over the first part of follow-up, strictly before the exit
late <- runif(n) < 0.4 & time > 1
entry <- ifelse(late, floor(runif(n, 0, 0.6) * time), 0)
entry <- pmin(entry, time - 1)
# a few entries on event days of other patients (ties between entry and event times)
ev_days <- sort(unique(time[event == 1]))
k <- which(late)[1:8]
entry[k] <- sapply(k, function(i) max(c(0, ev_days[ev_days < time[i]][1:3]), na.rm = TRUE))
d <- data.frame(patient_id = sprintf("R%03d", seq_len(n)), group = group, age = age,
                ecog = ecog, os_days = time, os_event = event, entry_day = entry)
stopifnot(all(d$entry_day < d$os_days), any(d$entry_day %in% d$os_days[d$os_event == 1]))
d$group <- factor(d$group, levels = c("Ref", "Early", "Late"))
d$ecog <- factor(d$ecog, levels = c("0", "1", "2"))
breaks <- c(0, 100, 200.5, 365, 730)

km <- lapply(c("Early", "Late", "Ref"), function(g) {
  s <- d[d$group == g, ]
  out <- list()
  for (ct in c("log", "log-log")) {
    fit <- survfit(Surv(entry_day, os_days, os_event) ~ 1, data = s, conf.type = ct)
    q <- quantile(fit, 0.5)
    at <- summary(fit, times = c(182.625, 365.25), extend = TRUE)
    out[[ct]] <- list(median = fin(c(q$quantile, q$lower, q$upper)),
                      at_survival = fin(at$surv), at_low = fin(at$lower),
                      at_high = fin(at$upper))
  }
  fit <- survfit(Surv(entry_day, os_days, os_event) ~ 1, data = s)
  list(group = g, n = nrow(s), events = sum(s$os_event), conf = out,
       n_risk = summary(fit, times = breaks, extend = TRUE)$n.risk)
})

test3 <- function(stat, df) c(stat, df, pchisq(stat, df, lower.tail = FALSE))
cox_case <- function(formula, ties) {
  fit <- coxph(formula, data = d, ties = ties)
  s <- summary(fit)
  list(terms = names(coef(fit)), coef = unname(coef(fit)),
       hr_low = unname(s$conf.int[, "lower .95"]), hr_high = unname(s$conf.int[, "upper .95"]),
       p = unname(s$coefficients[, "Pr(>|z|)"]),
       # unrounded (summary() rounds the statistics): score, likelihood-ratio, Wald
       score = test3(fit$score, length(coef(fit))),
       lr = test3(2 * diff(fit$loglik), length(coef(fit))),
       wald = test3(fit$wald.test, length(coef(fit))))
}
cox <- list(
  efron_unadjusted = cox_case(Surv(entry_day, os_days, os_event) ~ group, "efron"),
  efron_adjusted = cox_case(Surv(entry_day, os_days, os_event) ~ group + age + ecog, "efron"),
  breslow_unadjusted = cox_case(Surv(entry_day, os_days, os_event) ~ group, "breslow"),
  efron_age = cox_case(Surv(entry_day, os_days, os_event) ~ age, "efron"))
# the naive analysis from time zero, to show that entry changes the numbers
naive <- cox_case(Surv(os_days, os_event) ~ group, "efron")

d$group <- as.character(d$group); d$ecog <- as.character(d$ecog)
out <- list(data = d, breaks = breaks, km = km, cox = cox, naive_unadjusted = naive,
            n_delayed = sum(d$entry_day > 0), r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", dataframe = "columns"),
           "tests/reference/delayed_entry_protocol.json")
