# Reference values for retrostudy.stats.km and retrostudy.stats.logrank.
#
# Regenerate (R >= 4.2, survival 3.5-x, jsonlite), from the repository root:
#     Rscript tests/reference/km_logrank.R
# writes tests/reference/km_logrank.json: the datasets used (so tests need no R) and, for
# each case, what survfit / summary(times=) / quantile / print(rmean=) / survdiff return.
# Non-finite values (NA, NaN, Inf) are written as null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

lung_d <- data.frame(time = lung$time, event = lung$status - 1, sex = lung$sex,
                     ecog = lung$ph.ecog)
lung_d$w_int <- (seq_len(nrow(lung_d)) %% 3) + 1
lung_d$w_frac <- 0.5 + (seq_len(nrow(lung_d)) %% 7) / 4
vet_d <- data.frame(time = veteran$time, event = veteran$status, trt = veteran$trt,
                    celltype = as.character(veteran$celltype))
vet_d$w_frac <- 0.25 + (seq_len(nrow(vet_d)) %% 5) / 3
ova_d <- data.frame(time = ovarian$futime, event = ovarian$fustat, rx = ovarian$rx,
                    resid = ovarian$resid.ds, ecog = ovarian$ecog.ps)
# small, unsorted, tied, censored before the first event (S = 1 rows)
tiny_d <- data.frame(time = c(9, 3, 1, 6, 6, 2, 9, 4, 6, 11, 1, 3),
                     event = c(1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1),
                     grp = c(1, 2, 1, 2, 1, 2, 1, 2, 2, 1, 2, 1))
# floating-point times that ought to tie: survfit/survdiff merge them (timefix, aeqSurv)
set.seed(20261124)
base <- c(0.1 + 0.2, 0.3, 5, 5 * (1 + 1e-9), 7, 7 + 1e-8, 7 + 2e-8, 7 + 3e-8, 10, 12)
near_d <- data.frame(time = c(base, round(rexp(30, 1 / 8), 2)),
                     event = c(1, 1, 1, 0, 1, 1, 0, 1, 1, 0, rbinom(30, 1, 0.7)),
                     grp = c(rep(1:2, 5), rep(1:2, 15)))
datasets <- list(lung = lung_d, veteran = vet_d, ovarian = ova_d, tiny = tiny_d,
                 neartie = near_d)

km_case <- function(name, data, filter = NULL, weights = NULL, conf_type = "log",
                    robust = NULL, conf_level = 0.95) {
  d <- datasets[[data]]
  if (!is.null(filter)) d <- d[!is.na(d[[filter$col]]) & d[[filter$col]] == filter$value, ]
  w <- if (is.null(weights)) NULL else d[[weights]]
  args <- list(formula = Surv(time, event) ~ 1, data = d, conf.type = conf_type,
               conf.int = conf_level)
  if (!is.null(w)) args$weights <- w
  if (!is.null(robust)) args$robust <- robust
  fit <- do.call(survfit, args)
  s <- summary(fit, censored = TRUE)
  tmax <- max(d$time)
  times <- sort(unique(c(0, min(d$time) / 2, quantile(d$time, c(.1, .37, .5, .81), type = 1),
                          quantile(d$time, c(.23, .66)) + 0.5, tmax, tmax + 10)))
  at <- summary(fit, times = times, extend = TRUE)
  q <- quantile(fit, probs = c(.25, .5, .75))
  if (!is.list(q)) q <- list(quantile = q, lower = rep(NA, 3), upper = rep(NA, 3))
  nas <- rep(NA, length(fit$time))
  if (is.null(fit$lower)) { fit$lower <- nas; fit$upper <- nas }
  if (is.null(at$lower)) { at$lower <- rep(NA, length(times)); at$upper <- at$lower }
  taus <- c(median(d$time), tmax + 50)
  rm <- sapply(taus, function(tau) summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")])
  list(name = name, data = data, filter = filter, weights = weights, conf_type = conf_type,
       robust = robust, conf_level = conf_level,
       fit = list(time = fit$time, n_at_risk = fit$n.risk, n_events = fit$n.event,
                  n_censored = fit$n.censor, survival = fit$surv, std_err = fin(s$std.err),
                  conf_low = fin(fit$lower), conf_high = fin(fit$upper)),
       quantile = list(p = c(.25, .5, .75), estimate = fin(q$quantile),
                       conf_low = fin(q$lower), conf_high = fin(q$upper)),
       at = list(times = times, survival = fin(at$surv), std_err = fin(at$std.err),
                 conf_low = fin(at$lower), conf_high = fin(at$upper),
                 n_at_risk = fin(at$n.risk)),
       rmst = list(tau = taus, estimate = fin(rm[1, ]), std_err = fin(rm[2, ])))
}

km_cases <- list()
for (ct in c("log", "log-log", "plain")) {
  km_cases[[length(km_cases) + 1]] <- km_case(paste("lung", ct), "lung", conf_type = ct)
  for (v in 1:2) km_cases[[length(km_cases) + 1]] <-
    km_case(paste("lung sex", v, ct), "lung", list(col = "sex", value = v), conf_type = ct)
  for (v in 1:2) km_cases[[length(km_cases) + 1]] <-
    km_case(paste("veteran trt", v, ct), "veteran", list(col = "trt", value = v), conf_type = ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste("ovarian", ct), "ovarian", conf_type = ct)
  for (v in 1:2) km_cases[[length(km_cases) + 1]] <-
    km_case(paste("ovarian rx", v, ct), "ovarian", list(col = "rx", value = v), conf_type = ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste("tiny", ct), "tiny", conf_type = ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste("lung w_int", ct), "lung", weights = "w_int",
                                              conf_type = ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste("lung w_frac robust", ct), "lung",
                                              weights = "w_frac", conf_type = ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste("lung w_frac greenwood", ct), "lung",
                                              weights = "w_frac", conf_type = ct, robust = FALSE)
}
km_cases[[length(km_cases) + 1]] <- km_case("veteran w_frac trt 2", "veteran",
                                            list(col = "trt", value = 2), weights = "w_frac")
km_cases[[length(km_cases) + 1]] <- km_case("lung unweighted robust", "lung", robust = TRUE)
km_cases[[length(km_cases) + 1]] <- km_case("lung w_int robust", "lung", weights = "w_int",
                                            robust = TRUE)
km_cases[[length(km_cases) + 1]] <- km_case("veteran conf 0.9", "veteran", conf_level = 0.9)
km_cases[[length(km_cases) + 1]] <- km_case("tiny none", "tiny", conf_type = "none")
km_cases[[length(km_cases) + 1]] <- km_case("near ties timefix", "neartie")

lr_case <- function(name, data, group, strata = NULL, rho = 0) {
  d <- datasets[[data]]
  d <- d[!is.na(d[[group]]), ]
  if (!is.null(strata)) d <- d[!is.na(d[[strata]]), ]
  f <- if (is.null(strata)) as.formula(paste("Surv(time, event) ~", group))
       else as.formula(paste("Surv(time, event) ~", group, "+ strata(", strata, ")"))
  r <- survdiff(f, data = d, rho = rho)
  obs <- if (is.matrix(r$obs)) rowSums(r$obs) else r$obs
  exp <- if (is.matrix(r$exp)) rowSums(r$exp) else r$exp
  df <- sum(exp > 0) - 1
  list(name = name, data = data, group = group, strata = strata, rho = rho,
       groups = sort(unique(d[[group]])), observed = as.numeric(obs),
       expected = as.numeric(exp), variance = unname(r$var), statistic = r$chisq, df = df,
       p_value = pchisq(r$chisq, df, lower.tail = FALSE))
}
lr_cases <- list(
  lr_case("lung sex", "lung", "sex"),
  lr_case("lung sex rho 1", "lung", "sex", rho = 1),
  lr_case("lung sex rho 0.5", "lung", "sex", rho = 0.5),
  lr_case("lung ecog k=4", "lung", "ecog"),
  lr_case("lung sex strata ecog", "lung", "sex", strata = "ecog"),
  lr_case("veteran trt", "veteran", "trt"),
  lr_case("veteran celltype k=4", "veteran", "celltype"),
  lr_case("veteran celltype rho 1", "veteran", "celltype", rho = 1),
  lr_case("veteran trt strata celltype", "veteran", "trt", strata = "celltype"),
  lr_case("veteran trt strata celltype rho 1", "veteran", "trt", strata = "celltype", rho = 1),
  lr_case("ovarian rx", "ovarian", "rx"),
  lr_case("ovarian rx strata resid", "ovarian", "rx", strata = "resid"),
  lr_case("ovarian ecog rho 1", "ovarian", "ecog", rho = 1),
  lr_case("tiny grp", "tiny", "grp"),
  lr_case("tiny grp rho 1", "tiny", "grp", rho = 1),
  lr_case("near ties timefix", "neartie", "grp")
)

out <- list(generated_by = "tests/reference/km_logrank.R",
            r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            data = lapply(datasets, as.list), kaplan_meier = km_cases, logrank = lr_cases)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
write_json(out, file.path(here, "km_logrank.json"), digits = NA, auto_unbox = TRUE,
           null = "null", na = "null", pretty = FALSE)
