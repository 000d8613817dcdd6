# Reference numbers for the adjusted comparison ([analyses.adjusted]) on the hand-built
# 42-patient analysis table (tests/analysis/data/seed_like.csv): propensity score (glm),
# stabilised ATE weights, 1:1 nearest-neighbour matching on the logit with a 0.2-SD caliper
# (MatchIt), weighted Kaplan-Meier and Cox models with robust / clustered variances.
# The patient with a missing de_novo is left out first (missing = "complete_case").
#
# Regenerate (R >= 4.2 with survival, MatchIt and jsonlite), from the repository root:
#   Rscript tests/reference/adjusted.R
# writes tests/reference/adjusted.json, read by tests/analysis/test_adjusted_against_r.py.
suppressPackageStartupMessages({ library(survival); library(MatchIt); library(jsonlite) })
d <- read.csv("tests/analysis/data/seed_like.csv", stringsAsFactors = FALSE)
d$visceral <- d$visceral == "True"
d$de_novo <- ifelse(d$de_novo == "", NA, d$de_novo == "True")
d <- d[!is.na(d$de_novo), ]
d$treated <- as.integer(d$group == "Tmab/Pmab")  # Tmab = reference
d$hr_status <- factor(d$hr_status, levels = c("negative", "positive"))
per <- 30.4375
f <- treated ~ age + ecog + hr_status + prior_regimens + de_novo

glm_fit <- glm(f, data = d, family = binomial)
ps <- unname(fitted(glm_fit))
p1 <- mean(d$treated)
w <- ifelse(d$treated == 1, p1 / ps, (1 - p1) / (1 - ps))  # stabilised ATE weights

km_summary <- function(fit) {
  q <- quantile(fit, probs = 0.5)
  s <- summary(fit, times = c(6, 12) * per, extend = TRUE)
  out <- list()
  for (k in rownames(q$quantile)) {
    g <- sub("^treated=", "", k)
    rows <- as.character(s$strata) == k
    out[[g]] <- list(
      median = c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per,
      surv = s$surv[rows], lower = s$lower[rows], upper = s$upper[rows]
    )
  }
  out
}
cox_summary <- function(fit) {
  s <- summary(fit)
  list(
    hr = unname(s$conf.int[1, "exp(coef)"]),
    lower = unname(s$conf.int[1, "lower .95"]),
    upper = unname(s$conf.int[1, "upper .95"]),
    p = unname(s$coefficients[1, ncol(s$coefficients)]),
    robust_score_p = if (is.null(s$robscore)) NULL else unname(s$robscore["pvalue"])
  )
}

iptw_km <- survfit(Surv(pfs_days, pfs_event) ~ treated, data = d, weights = w, conf.type = "log")
iptw_cox <- coxph(Surv(pfs_days, pfs_event) ~ treated, data = d, weights = w, robust = TRUE)
crude_cox <- coxph(Surv(pfs_days, pfs_event) ~ treated, data = d)

m <- matchit(f, data = d, method = "nearest", distance = "glm", link = "linear.logit",
             caliper = 0.2, std.caliper = TRUE, m.order = "largest", replace = FALSE)
md <- match.data(m)
m_km <- survfit(Surv(pfs_days, pfs_event) ~ treated, data = md, weights = weights,
                conf.type = "log")
m_cox <- coxph(Surv(pfs_days, pfs_event) ~ treated, data = md, weights = weights,
               cluster = subclass)
matched <- rep(FALSE, nrow(d))
matched[as.integer(rownames(d)) %in% as.integer(rownames(md))] <- TRUE

out <- list(
  patient_id = d$patient_id,
  ps = ps,
  ps_coef = as.list(coef(glm_fit)),
  ps_se = as.list(sqrt(diag(vcov(glm_fit)))),
  iptw_weights = w,
  matched = d$patient_id[d$patient_id %in% md$patient_id],
  caliper_width = 0.2 * sd(qlogis(ps)),
  crude = cox_summary(crude_cox),
  iptw = c(cox_summary(iptw_cox), list(km = km_summary(iptw_km))),
  matching = c(cox_summary(m_cox), list(km = km_summary(m_km)))
)
write_json(out, "tests/reference/adjusted.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
