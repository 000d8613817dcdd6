# Reference numbers for the hand-built 42-patient analysis table used by the analysis and
# report tests (tests/analysis/data/seed_like.csv), computed with R's survival package.
#
# Regenerate (R >= 4.2 with survival and jsonlite), from the repository root:
#   Rscript tests/reference/seed_like_analysis.R
# writes tests/reference/seed_like_analysis.json, read by tests/analysis/test_against_r.py.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
d <- read.csv("tests/analysis/data/seed_like.csv", stringsAsFactors = FALSE)
d$group <- factor(d$group, levels = c("Tmab", "Tmab/Pmab"))  # Tmab = reference
d$hr_status <- factor(d$hr_status, levels = c("negative", "positive"))
per <- 30.4375

fit <- survfit(Surv(pfs_days, pfs_event) ~ group, data = d)  # conf.type = "log" (default)
q <- quantile(fit, probs = 0.5)
medians <- list()
for (g in levels(d$group)) {
  k <- paste0("group=", g)
  medians[[g]] <- c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per
}
lm <- summary(fit, times = c(6, 12) * per, extend = TRUE)
landmarks <- split(data.frame(surv = lm$surv, lower = lm$lower, upper = lm$upper),
                   sub("^group=", "", as.character(lm$strata)))
lr <- survdiff(Surv(pfs_days, pfs_event) ~ group, data = d)
unadj <- summary(coxph(Surv(pfs_days, pfs_event) ~ group, data = d))
adj <- summary(coxph(Surv(pfs_days, pfs_event) ~ group + ecog + visceral + hr_status, data = d))
row <- "groupTmab/Pmab"
out <- list(
  medians_months = medians,
  landmarks = lapply(landmarks, as.list),
  logrank_p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE),
  hr_unadjusted = unname(c(unadj$conf.int[row, c(1, 3, 4)], unadj$coefficients[row, 5])),
  hr_adjusted = unname(c(adj$conf.int[row, c(1, 3, 4)], adj$coefficients[row, 5])),
  age_wilcox_p = wilcox.test(age ~ group, data = d)$p.value,
  regimens_wilcox_p = wilcox.test(prior_regimens ~ group, data = d)$p.value,
  visceral_fisher_p = fisher.test(table(d$group, d$visceral))$p.value
)
write_json(out, "tests/reference/seed_like_analysis.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
