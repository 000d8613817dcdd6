# Reference numbers for the second worked example (examples/pd1_after_platinum_nsclc), computed
# with R's survival package on the analysis dataset the pipeline derives from its SYNTHETIC
# extract (tests/reference/pd1_after_platinum_nsclc_dataset.csv; one row per analysed patient).
#
# The protocol's conventions: profile "sas" = Kaplan-Meier CIs with the log-log transform
# (also for the median's CI), Breslow ties in Cox models, 95% CIs, months = days / 30.4375;
# groups Pem-Pt (reference), Tax-Pt, Gem-Pt; confirmed objective response compared with
# Fisher's exact test, durable clinical benefit with Pearson's chi-square (3 x 2 tables, so no
# continuity correction); rates with Clopper-Pearson CIs (binom.test).
#
# Regenerate (R >= 4.2 with survival and jsonlite), from the repository root:
#   python tests/examples/test_second_example.py      # rewrites the dataset CSV (if it changed)
#   Rscript tests/reference/pd1_after_platinum_nsclc.R
# writes tests/reference/pd1_after_platinum_nsclc.json, read by
# tests/examples/test_second_example.py.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
d <- read.csv("tests/reference/pd1_after_platinum_nsclc_dataset.csv", stringsAsFactors = FALSE)
groups <- c("Pem-Pt", "Tax-Pt", "Gem-Pt")
d$group <- factor(d$group, levels = groups)   # Pem-Pt = reference
d$ecog_1plus <- as.logical(d$ecog_1plus)      # TRUE vs FALSE (reference FALSE)
d$visceral <- as.logical(d$visceral)
per <- 30.4375
conf_type <- "log-log"
ties <- "breslow"

km <- function(formula, event, landmarks) {
  fit <- survfit(formula, data = d, conf.type = conf_type)
  q <- quantile(fit, probs = 0.5)
  out <- list()
  lm <- summary(fit, times = landmarks * per, extend = TRUE)
  strata <- sub("^group=", "", as.character(lm$strata))
  for (g in groups) {
    k <- paste0("group=", g)
    s <- strata == g
    out[[g]] <- list(
      n = fit$n[match(k, names(fit$strata))],
      n_events = sum(d[[event]][d$group == g]),
      median = unname(c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per),
      landmarks = list(survival = lm$surv[s], lower = lm$lower[s], upper = lm$upper[s])
    )
  }
  out
}

survival_block <- function(endpoint, landmarks, adjust = character()) {
  time <- paste0(endpoint, "_days")
  event <- paste0(endpoint, "_event")
  f <- function(terms) as.formula(paste0("Surv(", time, ", ", event, ") ~ ",
                                         paste(terms, collapse = " + ")))
  lr <- survdiff(f("group"), data = d)
  cox <- function(terms) {
    m <- coxph(f(terms), data = d, ties = ties)   # rows with a missing covariate: na.omit
    s <- summary(m)
    rows <- paste0("group", groups[-1])
    list(n = m$n, n_events = m$nevent,
         hr = lapply(setNames(rows, groups[-1]), function(r)
           unname(c(s$conf.int[r, c(1, 3, 4)], s$coefficients[r, 5]))))
  }
  out <- list(
    km = km(f("group"), event, landmarks),
    logrank = list(statistic = unname(lr$chisq), df = length(lr$n) - 1,
                   p_value = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE),
                   observed = unname(lr$obs), expected = unname(lr$exp)),
    cox_unadjusted = cox("group")
  )
  if (length(adjust)) out$cox_adjusted <- cox(c("group", adjust))
  out
}

rate <- function(column, test) {
  x <- tapply(d[[column]] == 1, d$group, sum)
  n <- tapply(d[[column]], d$group, length)
  tab <- table(d$group, factor(d[[column]] == 1, levels = c(FALSE, TRUE)))
  p <- if (test == "fisher") fisher.test(tab)$p.value else
    suppressWarnings(chisq.test(tab, correct = FALSE)$p.value)
  per_group <- lapply(setNames(groups, groups), function(g) {
    ci <- binom.test(x[[g]], n[[g]])$conf.int
    list(x = x[[g]], n = n[[g]], proportion = x[[g]] / n[[g]],
         conf_low = ci[1], conf_high = ci[2])
  })
  list(test = test, p_value = p, groups = per_group)
}

# Landmark analysis of OS at day 91 (landmark_days): patients with os_days > 91, time from
# the landmark; KM medians, log-rank and the unadjusted Cox model on that set.
landmark_block <- function(L) {
  lm <- subset(d, os_days > L)
  lm$os_days <- lm$os_days - L
  fit <- survfit(Surv(os_days, os_event) ~ group, data = lm, conf.type = conf_type)
  q <- quantile(fit, probs = 0.5)
  lr <- survdiff(Surv(os_days, os_event) ~ group, data = lm)
  m <- summary(coxph(Surv(os_days, os_event) ~ group, data = lm, ties = ties))
  rows <- paste0("group", groups[-1])
  list(
    n_at_risk = nrow(lm),
    n_event_before = sum(d$os_days <= L & d$os_event == 1),
    n_censored_before = sum(d$os_days <= L & d$os_event == 0),
    median = lapply(setNames(groups, groups), function(g) {
      k <- paste0("group=", g)
      unname(c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per)
    }),
    logrank_p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE),
    hr = lapply(setNames(rows, groups[-1]), function(r)
      unname(c(m$conf.int[r, c(1, 3, 4)], m$coefficients[r, 5])))
  )
}

# Docetaxel after the PD-1 inhibitor as a time-varying exposure (tmerge + tdc), adjusted for
# the group, beside the naive ever/never model.
tvc_block <- function() {
  b <- subset(d, os_days > 0)
  b$id <- seq_len(nrow(b))
  b$start_day <- ifelse(b$docetaxel_start_event == 1, b$docetaxel_start_days, NA)
  tm <- tmerge(b[, c("id", "group")], b, id = id, death = event(os_days, os_event))
  tm <- tmerge(tm, subset(b, !is.na(start_day)), id = id, exposed = tdc(start_day))
  tv <- summary(coxph(Surv(tstart, tstop, death) ~ exposed + group, data = tm, ties = ties))
  b$ever <- as.integer(!is.na(b$start_day) & b$start_day < b$os_days)
  nv <- summary(coxph(Surv(os_days, os_event) ~ ever + group, data = b, ties = ties))
  list(n = nrow(b), n_exposed = sum(b$ever), n_intervals = nrow(tm),
       time_varying = unname(c(tv$conf.int["exposed", c(1, 3, 4)],
                               tv$coefficients["exposed", 5])),
       naive = unname(c(nv$conf.int["ever", c(1, 3, 4)], nv$coefficients["ever", 5])))
}

out <- list(
  conventions = list(conf_type = conf_type, ties = ties, days_per_month = per),
  n = nrow(d),
  os = survival_block("os", c(6, 12, 24), adjust = c("ecog_1plus", "visceral")),
  pfs = survival_block("pfs", c(3, 6, 12)),
  best_response = lapply(split(d$bor, d$group), function(b) as.list(table(factor(
    b, levels = c("CR", "PR", "SD", "PD", "NE"))))),
  response = rate("response", "fisher"),
  disease_control = rate("disease_control", "chisq"),
  landmark_os = landmark_block(91),
  time_varying = tvc_block()
)
write_json(out, "tests/reference/pd1_after_platinum_nsclc.json", auto_unbox = TRUE,
           digits = NA, pretty = TRUE, na = "null")
