# Reference numbers for the secondary analyses (RMST, competing risks, subgroups, sensitivity)
# on tests/reference/secondary.csv (160 synthetic patients from
# tests/analysis/secondary_data.py::make_data(seed = 7, n = 160); groups A and B, B = reference).
#
# Regenerate (R >= 4.2 with survival, cmprsk and jsonlite), from the repository root:
#   Rscript tests/reference/secondary.R
# writes tests/reference/secondary.json, read by tests/analysis/test_secondary_against_r.py.
# survRM2 is not installed: its per-arm numbers are R survival's
# summary(survfit, rmean = tau) (what rmst2 reports), and its contrasts are written out here
# from rmst2's formulas (difference: se = sqrt(se0^2 + se1^2); ratio on the log scale).
suppressPackageStartupMessages({ library(survival); library(cmprsk); library(jsonlite) })
d <- read.csv("tests/reference/secondary.csv", stringsAsFactors = FALSE)
d$group <- factor(d$group, levels = c("B", "A"))  # B = reference
d$visceral <- factor(d$visceral, levels = c("False", "True"))
per <- 30.4375
fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

# ---- RMST at tau = 10 months ------------------------------------------------------------
tau <- 10 * per
tab <- summary(survfit(Surv(pfs_days, pfs_event) ~ group, data = d), rmean = tau)$table
rm <- tab[, "rmean"]; se <- tab[, "se(rmean)"]
names(rm) <- names(se) <- sub("^group=", "", rownames(tab))
z <- qnorm(0.975)
dif <- rm[["A"]] - rm[["B"]]; dse <- sqrt(se[["A"]]^2 + se[["B"]]^2)
lr_ <- log(rm[["A"]] / rm[["B"]]); lse <- sqrt((se[["A"]] / rm[["A"]])^2 + (se[["B"]] / rm[["B"]])^2)
rmst <- list(
  tau_months = 10,
  rmst_months = as.list(rm / per), se_months = as.list(se / per),
  difference = c(dif, dif - z * dse, dif + z * dse) / per,
  difference_p = 2 * pnorm(-abs(dif / dse)),
  ratio = exp(c(lr_, lr_ - z * lse, lr_ + z * lse)),
  ratio_p = 2 * pnorm(-abs(lr_ / lse))
)

# ---- competing risks: status from pfs_standard's reason -------------------------------------
d$status <- ifelse(d$pfs_standard_reason == "progression", 1,
                   ifelse(d$pfs_standard_reason == "death", 2, 0))
cif <- list()
for (g in levels(d$group)) {
  s <- d[d$group == g, ]
  f <- survfit(Surv(pfs_standard_days, factor(status, 0:2)) ~ 1, data = s)
  sm <- summary(f, times = c(3, 6, 12) * per, extend = TRUE)
  cif[[g]] <- list(
    progression = list(incidence = sm$pstate[, 2], lower = sm$lower[, 2], upper = sm$upper[, 2]),
    death_without_progression = list(incidence = sm$pstate[, 3], lower = sm$lower[, 3],
                                     upper = sm$upper[, 3]))
}
ci <- cuminc(d$pfs_standard_days, d$status, as.character(d$group))
gray <- list(progression = ci$Tests["1", c("stat", "pv")],
             death_without_progression = ci$Tests["2", c("stat", "pv")])
cs <- function(cause, formula) {
  d$cs_event <- as.numeric(d$status == cause)
  s <- summary(coxph(formula, data = d))
  c(s$conf.int["groupA", c("exp(coef)", "lower .95", "upper .95")], s$coefficients["groupA", "Pr(>|z|)"])
}
f_crude <- Surv(pfs_standard_days, cs_event) ~ group
f_adj <- Surv(pfs_standard_days, cs_event) ~ group + visceral + ecog
cause_specific <- list(
  progression = list(crude = cs(1, f_crude), adjusted = cs(1, f_adj)),
  death_without_progression = list(crude = cs(2, f_crude), adjusted = cs(2, f_adj)))

# ---- subgroups: HR of A vs B per level, LR interaction ---------------------------------------
hr_in <- function(s) {
  sm <- summary(coxph(Surv(pfs_days, pfs_event) ~ group, data = s))
  c(sm$conf.int["groupA", c("exp(coef)", "lower .95", "upper .95")], sm$coefficients["groupA", "Pr(>|z|)"])
}
subgroups <- list()
for (v in c("visceral", "hr_status", "ecog")) {
  x <- as.character(d[[v]])
  levels_hr <- lapply(split(d, x), hr_in)
  d$v <- factor(x)
  main <- coxph(Surv(pfs_days, pfs_event) ~ group + v, data = d)
  inter <- coxph(Surv(pfs_days, pfs_event) ~ group * v, data = d)
  a <- anova(main, inter)
  subgroups[[v]] <- list(levels = levels_hr, interaction_stat = a$Chisq[2],
                         interaction_df = a$Df[2], interaction_p = a[["Pr(>|Chi|)"]][2])
}

# ---- sensitivity: PD-or-death PFS -------------------------------------------------------
sfit <- survfit(Surv(pfs_standard_days, pfs_standard_event) ~ group, data = d)
q <- quantile(sfit, probs = 0.5)
sens_median <- list()
for (g in levels(d$group)) {
  k <- paste0("group=", g)
  sens_median[[g]] <- fin(c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per)
}
sd_ <- survdiff(Surv(pfs_standard_days, pfs_standard_event) ~ group, data = d)
sensitivity <- list(median_months = sens_median,
                    logrank_p = pchisq(sd_$chisq, 1, lower.tail = FALSE),
                    hr = hr_in(transform(d, pfs_days = pfs_standard_days,
                                         pfs_event = pfs_standard_event)))

out <- list(rmst = rmst, cif = cif, gray = gray, cause_specific = cause_specific,
            subgroups = subgroups, sensitivity = sensitivity,
            versions = list(R = R.version.string,
                            survival = as.character(packageVersion("survival")),
                            cmprsk = as.character(packageVersion("cmprsk"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/reference/secondary.json")
