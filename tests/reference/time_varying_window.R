# Reference values for [[analyses.time_varying]] window_days: an exposure (a drug begun after
# the index date) counts only when it starts within window_days days of the index date; a
# later start leaves the patient unexposed for the whole follow-up (in both models).
# Synthetic study (not the T-DM1 example): 260 patients, two groups, a drug started on a
# random day after index by about half of those still alive then, with no effect on death.
#
# R: the window rule is applied to the start day, then the follow-up is split with
# tmerge(event(...)) + tmerge(tdc(start)) and fitted with coxph(Surv(tstart, tstop, event) ~
# exposed + group); the naive model is coxph(Surv(time, event) ~ ever + group), ever =
# exposure started within the window and before the end of follow-up. Reference group: B.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite) from the repository root:
#     Rscript tests/reference/time_varying_window.R
# writes tests/reference/time_varying_window.json.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

set.seed(2207)
n <- 260
group <- sample(c("A", "B"), n, TRUE)
death <- ceiling(rexp(n, 1 / ifelse(group == "A", 500, 380)))
cens <- sample(100:1100, n, TRUE)
time <- pmin(death, cens)
event <- as.integer(death <= cens)
u <- ceiling(runif(n, 1, 600))
starts <- runif(n) < 0.55 & u < time
d <- data.frame(patient_id = sprintf("W%03d", seq_len(n)), group = group, os_days = time,
                os_event = event, drug_days = ifelse(starts, u, time),
                drug_event = as.integer(starts))

fit_window <- function(W) {
  day <- ifelse(d$drug_event == 1 & (is.na(W) | d$drug_days <= W), d$drug_days, NA)
  base <- data.frame(id = seq_len(n), group = factor(d$group, levels = c("B", "A")))
  tv <- tmerge(base, data.frame(id = seq_len(n), time = d$os_days, status = d$os_event),
               id = id, death = event(time, status))
  ex <- data.frame(id = seq_len(n), day = day)[!is.na(day), ]
  tv <- tmerge(tv, ex, id = id, exposed = tdc(day))
  tv$exposed[is.na(tv$exposed)] <- 0
  f <- coxph(Surv(tstart, tstop, death) ~ exposed + group, data = tv, ties = "efron")
  ever <- as.integer(!is.na(day) & day < d$os_days)
  g <- coxph(Surv(d$os_days, d$os_event) ~ ever + base$group, ties = "efron")
  s <- summary(f); sg <- summary(g)
  list(window_days = if (is.na(W)) NULL else W, n_intervals = nrow(tv),
       n_exposed = sum(ever), n_after_window = sum(d$drug_event == 1 & !is.na(W) &
                                                     d$drug_days > W),
       tv_coef = unname(coef(f)), tv_low = unname(s$conf.int[, "lower .95"]),
       tv_high = unname(s$conf.int[, "upper .95"]), tv_p = unname(s$coefficients[, 5]),
       naive_coef = unname(coef(g)), naive_p = unname(sg$coefficients[, 5]))
}
out <- list(data = d, cases = lapply(c(NA, 90, 240), fit_window),
            r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", dataframe = "columns"),
           "tests/reference/time_varying_window.json")
