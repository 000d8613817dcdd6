# Reference values for retrostudy.stats.rmst and retrostudy.stats.competing.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite), from the repository root:
#     Rscript tests/reference/rmst_cif.R
# writes tests/reference/rmst_cif.json: the datasets used (so tests need no R) and
#  * rmst: per-arm restricted means from summary(survfit(...), rmean = tau)$table (the
#    numbers survRM2::rmst2 reports per arm; survRM2 is not in Debian), and tau from
#    survRM2's default rule (its six cases, written out here as in survRM2 1.0-4's rmst2);
#  * cif: the multi-state survfit(Surv(time, factor(status, 0:k)) ~ 1): time, n.risk,
#    pstate, std.err, lower, upper and conf.type.
# Non-finite values (NA, NaN, Inf) are written as null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

# survRM2's sample data: the 312 randomised pbc patients, years, death = 1, arm 1 = D-penicillamine
pbc_d <- data.frame(time = pbc$time[1:312] / 365.25, event = as.numeric(pbc$status[1:312] == 2),
                    arm = as.numeric(pbc$trt[1:312] == 1))
lung_d <- data.frame(time = lung$time, event = lung$status - 1, sex = lung$sex)
vet_d <- data.frame(time = veteran$time, event = veteran$status, trt = veteran$trt)
ova_d <- data.frame(time = ovarian$futime, event = ovarian$fustat, rx = ovarian$rx)
tiny_d <- data.frame(time = c(9, 3, 1, 6, 6, 2, 9, 4, 6, 11, 1, 3),
                     event = c(1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1),
                     grp = c(1, 2, 1, 2, 1, 2, 1, 2, 2, 1, 2, 1))
# competing risks: mgus2, time to plasma-cell malignancy (1) or death before it (2)
mgus_d <- with(mgus2, data.frame(time = ifelse(pstat == 0, futime, ptime),
                                 status = ifelse(pstat == 0, 2 * death, 1),
                                 sex = as.character(sex)))
# small, unsorted, ties between causes and with censoring, ends on an event of cause 2
cr_tiny <- data.frame(time = c(5, 2, 8, 2, 3, 5, 9, 1, 5, 3, 7, 2),
                      status = c(1, 2, 0, 1, 0, 2, 2, 1, 0, 1, 0, 0))
# continuous times with near ties (timefix) and three causes
set.seed(20261124)
cr_cont <- data.frame(time = c(0.1 + 0.2, 0.3, round(rexp(58, 1 / 5), 3)),
                      status = c(1, 2, sample(0:3, 58, replace = TRUE, prob = c(.3, .3, .25, .15))))
datasets <- list(pbc = pbc_d, lung = lung_d, veteran = vet_d, ovarian = ova_d, tiny = tiny_d,
                 mgus2 = mgus_d, cr_tiny = cr_tiny, cr_cont = cr_cont)

# survRM2 1.0-4's default tau, case by case (arm 0 = first level, arm 1 = second)
survrm2_tau <- function(time, event, arm) {
  lv <- sort(unique(arm))
  last <- function(a) { tt <- time[arm == a]; m <- max(tt)
                        c(m, min(event[arm == a][tt == m])) }
  l0 <- last(lv[1]); l1 <- last(lv[2])
  if (l0[2] == 1 && l1[2] == 1) return(max(l0[1], l1[1]))                       # case 1
  if ((l0[2] == 0 && l1[2] == 1 && l0[1] >= l1[1]) ||
      (l0[2] == 1 && l1[2] == 0 && l1[1] > l0[1])) return(max(l0[1], l1[1]))     # case 2
  min(l0[1], l1[1])                                                              # cases 3, 4
}

rmst_case <- function(name, data, group, tau = NULL, conf_level = 0.95) {
  d <- datasets[[data]]
  tau_default <- survrm2_tau(d$time, d$event, d[[group]])
  use <- if (is.null(tau)) tau_default else tau
  levels <- sort(unique(d[[group]]))
  arms <- lapply(levels, function(g) {
    fit <- survfit(Surv(time, event) ~ 1, data = d[d[[group]] == g, ])
    tab <- summary(fit, rmean = use)$table
    list(estimate = unname(tab["rmean"]), std_err = unname(tab["se(rmean)"]))
  })
  list(name = name, data = data, group = group, tau = tau, conf_level = conf_level,
       groups = levels, tau_used = use, tau_default = tau_default,
       estimate = sapply(arms, `[[`, "estimate"), std_err = sapply(arms, `[[`, "std_err"))
}
rmst_cases <- list(
  rmst_case("pbc tau 10 (survRM2 vignette)", "pbc", "arm", tau = 10),
  rmst_case("pbc default tau", "pbc", "arm"),
  rmst_case("lung sex default tau", "lung", "sex"),
  rmst_case("lung sex tau 365", "lung", "sex", tau = 365),
  rmst_case("veteran trt default tau", "veteran", "trt"),
  rmst_case("veteran trt tau 180 conf 0.9", "veteran", "trt", tau = 180, conf_level = 0.9),
  rmst_case("ovarian rx default tau", "ovarian", "rx"),
  rmst_case("tiny grp default tau", "tiny", "grp"),
  rmst_case("tiny grp tau 4.5", "tiny", "grp", tau = 4.5)
)

cif_case <- function(name, data, k, conf_level = 0.95, filter = NULL) {
  d <- datasets[[data]]
  if (!is.null(filter)) d <- d[d[[filter$col]] == filter$value, ]
  fit <- survfit(Surv(time, factor(status, 0:k)) ~ 1, data = d, conf.int = conf_level)
  # column 1 is the initial state "(s0)"; columns 2..k+1 are the causes
  cols <- 1 + seq_len(k)
  list(name = name, data = data, k = k, conf_level = conf_level, filter = filter,
       conf_type = fit$conf.type, states = fit$states,
       time = fit$time, n_at_risk = fit$n.risk[, 1],
       incidence = lapply(cols, function(j) fit$pstate[, j]),
       std_err = lapply(cols, function(j) fin(fit$std.err[, j])),
       conf_low = lapply(cols, function(j) fin(fit$lower[, j])),
       conf_high = lapply(cols, function(j) fin(fit$upper[, j])),
       event_free = fit$pstate[, 1])
}
cif_cases <- list(
  cif_case("mgus2 PCM vs death", "mgus2", 2),
  cif_case("mgus2 PCM vs death, women, conf 0.9", "mgus2", 2, conf_level = 0.9,
           filter = list(col = "sex", value = "F")),
  cif_case("tiny competing", "cr_tiny", 2),
  cif_case("continuous 3 causes with near ties", "cr_cont", 3)
)

out <- list(generated_by = "tests/reference/rmst_cif.R",
            r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            data = lapply(datasets, as.list), rmst = rmst_cases, cif = cif_cases)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
write_json(out, file.path(here, "rmst_cif.json"), digits = NA, auto_unbox = TRUE,
           null = "null", na = "null", pretty = FALSE)
