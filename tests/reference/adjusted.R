# Reference numbers for the adjusted comparison ([analyses.adjusted]) on the hand-built
# 42-patient analysis table (tests/analysis/data/seed_like.csv): propensity score (glm),
# stabilised ATE weights, 1:1 nearest-neighbour matching on the logit of the score
# (MatchIt, largest score first, no replacement), weighted Kaplan-Meier (survfit) and Cox
# models with robust (IPTW) or matched-pair clustered (matching) variances.
# The patient with a missing de_novo is left out first (missing = "complete_case").
#
# Regenerate (R >= 4.2 with survival, MatchIt and jsonlite), from the repository root:
#   Rscript tests/reference/adjusted.R
# writes tests/reference/adjusted.json, read by tests/analysis/test_adjusted_against_r.py.
suppressPackageStartupMessages({ library(survival); library(MatchIt); library(jsonlite) })
d <- read.csv("tests/analysis/data/seed_like.csv", stringsAsFactors = FALSE)
d$de_novo <- ifelse(d$de_novo == "", NA, d$de_novo == "True")
d <- d[!is.na(d$de_novo), ]
rownames(d) <- as.character(seq_len(nrow(d)))
d$treated <- as.integer(d$group == "Tmab/Pmab")  # Tmab = reference
d$hr_status <- factor(d$hr_status, levels = c("negative", "positive"))
per <- 30.4375
f <- treated ~ age + ecog + hr_status + prior_regimens + de_novo

glm_fit <- glm(f, data = d, family = binomial)
ps <- unname(fitted(glm_fit))
lp <- unname(predict(glm_fit, type = "link"))
p1 <- mean(d$treated)
w <- ifelse(d$treated == 1, p1 / ps, (1 - p1) / (1 - ps))  # stabilised ATE weights

km_summary <- function(fit) {
  q <- quantile(fit, probs = 0.5)
  s <- summary(fit, times = c(6, 12) * per, extend = TRUE)
  res <- list()
  for (k in rownames(q$quantile)) {
    rows <- as.character(s$strata) == k
    res[[sub("^treated=", "", k)]] <- list(
      median = c(q$quantile[k, 1], q$lower[k, 1], q$upper[k, 1]) / per,
      surv = s$surv[rows], lower = s$lower[rows], upper = s$upper[rows]
    )
  }
  res
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

# MatchIt 4.5.1's fast path for a distance vector compares distances with C's integer
# abs(), so a caliper below 1 is not enforced (see tests/reference/propensity.R). As there,
# MatchIt gets the distance MATRIX |logit_t - logit_c| (its general nn_matchC: each treated
# patient, largest logit first, takes the nearest available control within the caliper),
# with the caliper in SDs of the logit over all patients (std.caliper = TRUE's width).
match_case <- function(caliper) {
  tr <- which(d$treated == 1); ct <- which(d$treated == 0)
  perm <- c(tr[order(lp[tr], decreasing = TRUE)], ct)
  dp <- d[perm, ]; lpp <- lp[perm]
  dmat <- abs(outer(lpp[dp$treated == 1], lpp[dp$treated == 0], "-"))
  width <- caliper * sd(lp)
  m <- matchit(f, data = dp, method = "nearest", distance = dmat, caliper = width,
               std.caliper = FALSE, replace = FALSE, m.order = "data")
  md <- match.data(m)
  monotone <- FALSE
  fit <- withCallingHandlers(
    coxph(Surv(pfs_days, pfs_event) ~ treated, data = md, weights = weights,
          cluster = subclass),
    warning = function(w) {
      if (grepl("may be infinite", conditionMessage(w))) monotone <<- TRUE
      invokeRestart("muffleWarning")
    })
  km <- survfit(Surv(pfs_days, pfs_event) ~ treated, data = md, weights = weights,
                conf.type = "log")
  c(list(caliper = caliper, caliper_width = width, matched = sort(md$patient_id),
         monotone = monotone, km = km_summary(km)), cox_summary(fit))
}

iptw_km <- survfit(Surv(pfs_days, pfs_event) ~ treated, data = d, weights = w,
                   conf.type = "log")
iptw_cox <- coxph(Surv(pfs_days, pfs_event) ~ treated, data = d, weights = w, robust = TRUE)
crude_cox <- coxph(Surv(pfs_days, pfs_event) ~ treated, data = d)

out <- list(
  patient_id = d$patient_id,
  ps = ps,
  ps_coef = as.list(coef(glm_fit)),
  ps_se = as.list(sqrt(diag(vcov(glm_fit)))),
  iptw_weights = w,
  crude = cox_summary(crude_cox),
  iptw = c(cox_summary(iptw_cox), list(km = km_summary(iptw_km))),
  matching = match_case(0.5),
  matching_02 = match_case(0.2)
)
write_json(out, "tests/reference/adjusted.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
