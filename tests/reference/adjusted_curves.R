# Reference numbers for the RMST difference and cumulative incidence of each method of the
# adjusted comparison ([analyses.adjusted] with [analyses.competing]; issue 22, item 4).
#
# Data: tests/reference/adjusted_curves.csv, 220 simulated patients (NOT the T-DM1 example):
# the seeded generator of tests/analysis/secondary_data.py (make_data(seed = 2211, n = 220)),
# with the group redrawn to depend on age, visceral and ECOG (confounded; seed 2212). PFS
# (PD only) is the endpoint; its competing event is death without progression, read from
# pfs_standard's reason (status 1 progression, 2 death, 0 censored, at pfs_standard_days).
#
#  * propensity score: glm(treated ~ age + visceral + ecog, binomial); treated = group A;
#  * IPTW: stabilised ATE weights, trim = [0.1, 0.8] (scores outside get weight 0 and leave
#    the stabilising share);
#  * matching: 1:1 nearest neighbour on the logit, caliper 0.2 SD of the logit, largest
#    score first, without replacement (MatchIt with the distance matrix, as adjusted.R);
#  * RMST to tau = 12 months: crude, R's summary(survfit, rmean = tau) (Greenwood-type se);
#    IPTW and matching, the infinitesimal jackknife: per group survfit(weights = w,
#    influence = TRUE), the influence of the area under the curve to tau is
#    influence.surv %*% (step widths); matching sums the difference's influences (treated
#    +, reference -) within matched sets (rowsum by subclass);
#  * cumulative incidence: survfit(Surv(cr_days, factor(status, 0:2)) ~ 1, weights = w) per
#    group, summary(fit, times = c(6, 12) * 30.4375): pstate, lower, upper (log CI).
#
# Regenerate (R >= 4.2 with survival, MatchIt and jsonlite), from the repository root:
#     Rscript tests/reference/adjusted_curves.R
# writes tests/reference/adjusted_curves.json, read by
# tests/analysis/test_adjusted_curves_against_r.py.
suppressPackageStartupMessages({ library(survival); library(MatchIt); library(jsonlite) })
d <- read.csv("tests/reference/adjusted_curves.csv", stringsAsFactors = FALSE)
d$visceral <- as.integer(d$visceral == "True")
d$treated <- as.integer(d$group == "A")
d$status <- ifelse(d$pfs_standard_reason == "progression", 1L,
                   ifelse(d$pfs_standard_reason == "death", 2L, 0L))
per <- 30.4375
tau <- 12 * per
marks <- c(6, 12) * per
f <- treated ~ age + visceral + ecog

fit_ps <- glm(f, data = d, family = binomial)
ps <- unname(fitted(fit_ps))
lp <- unname(predict(fit_ps, type = "link"))
keep <- ps >= 0.1 & ps <= 0.8
p1 <- mean(d$treated[keep])
w_iptw <- ifelse(keep, ifelse(d$treated == 1, p1 / ps, (1 - p1) / (1 - ps)), 0)

# matching (see adjusted.R: MatchIt's distance-matrix route enforces a caliper below 1)
tr <- which(d$treated == 1); ct <- which(d$treated == 0)
perm <- c(tr[order(lp[tr], decreasing = TRUE)], ct)
dp <- d[perm, ]; lpp <- lp[perm]
dmat <- abs(outer(lpp[dp$treated == 1], lpp[dp$treated == 0], "-"))
m <- matchit(f, data = dp, method = "nearest", distance = dmat, caliper = 0.2 * sd(lp),
             std.caliper = FALSE, replace = FALSE, m.order = "data")
md <- match.data(m)

# area under each group's curve to tau and its per-patient infinitesimal-jackknife influence
area <- function(time, event, w) {
  fit <- survfit(Surv(time, event) ~ 1, weights = w, influence = TRUE)
  tt <- fit$time[fit$time <= tau]
  width <- diff(c(tt, tau))  # S(t_j) holds on [t_j, t_{j+1}); before t_1, S = 1
  est <- min(fit$time[1], tau) + sum(fit$surv[fit$time <= tau] * width)
  infl <- fit$influence.surv[, fit$time <= tau, drop = FALSE] %*% width
  list(rmst = est, u = drop(infl))
}

robust <- function(dd, w, cluster = NULL) {
  a1 <- area(dd$pfs_days[dd$treated == 1], dd$pfs_event[dd$treated == 1], w[dd$treated == 1])
  a0 <- area(dd$pfs_days[dd$treated == 0], dd$pfs_event[dd$treated == 0], w[dd$treated == 0])
  u <- numeric(nrow(dd)); u[dd$treated == 1] <- a1$u; u[dd$treated == 0] <- -a0$u
  cl <- if (is.null(cluster)) seq_len(nrow(dd)) else cluster
  list(rmst = c(treated = a1$rmst, reference = a0$rmst) / per,
       se = c(treated = sqrt(sum(a1$u^2)), reference = sqrt(sum(a0$u^2))) / per,
       difference = (a1$rmst - a0$rmst) / per,
       difference_se = sqrt(sum(rowsum(u, cl)^2)) / per)
}

crude_fit <- survfit(Surv(pfs_days, pfs_event) ~ treated, data = d)
tab <- summary(crude_fit, rmean = tau)$table
crude <- list(rmst = c(treated = unname(tab["treated=1", "rmean"]),
                       reference = unname(tab["treated=0", "rmean"])) / per,
              se = c(treated = unname(tab["treated=1", "se(rmean)"]),
                     reference = unname(tab["treated=0", "se(rmean)"])) / per)
crude$difference <- unname(crude$rmst["treated"] - crude$rmst["reference"])
crude$difference_se <- sqrt(sum(crude$se^2))

di <- d[w_iptw > 0, ]
iptw <- robust(di, w_iptw[w_iptw > 0])
matched <- robust(md, md$weights, md$subclass)

cif <- function(dd, w) {
  lapply(c(treated = 1, reference = 0), function(k) {
    s <- dd$treated == k
    fit <- survfit(Surv(pfs_standard_days, factor(status, 0:2)) ~ 1, data = dd[s, ],
                   weights = w[s])
    sm <- summary(fit, times = marks, extend = TRUE)
    list(progression = sm$pstate[, 2], death = sm$pstate[, 3],
         progression_low = sm$lower[, 2], progression_high = sm$upper[, 2],
         death_low = sm$lower[, 3], death_high = sm$upper[, 3])
  })
}

out <- list(
  tau_months = 12,
  trimmed = c(treated = sum(!keep & d$treated == 1), reference = sum(!keep & d$treated == 0)),
  n_matched = nrow(md),
  crude = crude, iptw = iptw, matching = matched,
  cif_crude = cif(d, rep(1, nrow(d))),
  cif_iptw = cif(di, w_iptw[w_iptw > 0]),
  cif_matching = cif(md, md$weights)
)
write_json(out, "tests/reference/adjusted_curves.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
