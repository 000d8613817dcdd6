# What R's survival package does on degenerate but legitimate data (R >= 4.2, survival 3.5-3):
# survdiff and coxph on no events, all events in one group, a single event, one patient per
# group, all times tied, a constant covariate. retrostudy's tests read degenerate.json
# (tests/stats/test_degenerate_against_r.py); docs/statistics.md "Degenerate data" states
# what retrostudy does in each case.
# Regenerate from the repository root:   Rscript tests/reference/degenerate.R
suppressPackageStartupMessages({library(survival); library(jsonlite)})
stopifnot(packageVersion("survival") == "3.5.3")

cases <- list(
  no_events = list(time = c(1, 2, 3, 4, 5, 6), event = c(0, 0, 0, 0, 0, 0), g = c(0, 0, 0, 1, 1, 1)),
  one_group_events = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 0, 0), g = c(0, 0, 0, 1, 1, 1)),
  single_event = list(time = c(1, 2, 3, 4, 5, 6), event = c(0, 0, 1, 0, 0, 0), g = c(0, 0, 0, 1, 1, 1)),
  one_per_group = list(time = c(1, 2), event = c(1, 1), g = c(0, 1)),
  one_group_at_risk = list(time = c(1, 2, 5, 6), event = c(0, 0, 1, 1), g = c(0, 0, 1, 1)),
  all_tied = list(time = c(5, 5, 5, 5, 5, 6), event = c(1, 1, 0, 1, 0, 1), g = c(0, 0, 0, 1, 1, 1)),
  all_tied_all_events = list(time = c(5, 5, 5, 5), event = c(1, 1, 1, 1), g = c(0, 0, 1, 1)),
  constant_covariate = list(time = c(1, 2, 3, 4), event = c(1, 0, 1, 1), g = c(1, 1, 1, 1))
)
cases$all_tied$time[6] <- 5  # every time tied

num <- function(x) if (is.null(x)) NULL else unname(as.vector(x))

capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "r_error")),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = warns)
}

survdiff_of <- function(d) {
  r <- capture(survdiff(Surv(time, event) ~ g, data = d))
  if (inherits(r$value, "r_error")) return(list(error = unclass(r$value), warnings = r$warnings))
  s <- r$value
  df <- sum(s$exp > 0) - 1                       # as print.survdiff computes it
  p <- suppressWarnings(pchisq(s$chisq, df, lower.tail = FALSE))
  list(chisq = s$chisq, df = df, p = if (is.nan(p)) NULL else p, observed = num(s$obs),
       expected = num(s$exp), warnings = r$warnings)
}

coxph_of <- function(d, ties, weighted) {
  f <- if (weighted) {
    capture(coxph(Surv(time, event) ~ g, data = d, ties = ties, weights = w))
  } else {
    capture(coxph(Surv(time, event) ~ g, data = d, ties = ties))
  }
  if (inherits(f$value, "r_error")) return(list(error = unclass(f$value), warnings = f$warnings))
  fit <- f$value
  coef <- num(fit$coefficients)
  list(ties = ties, weighted = weighted,
       coef = if (is.na(coef)) NULL else coef,
       var = num(fit$var), naive_var = num(fit$naive.var), loglik = num(fit$loglik),
       score = num(fit$score), wald = if (length(fit$wald.test)) num(fit$wald.test) else NULL,
       rscore = if (is.null(fit$rscore) || is.nan(fit$rscore)) NULL else num(fit$rscore),
       rscore_nan = !is.null(fit$rscore) && is.nan(fit$rscore),
       iter = fit$iter, warnings = f$warnings)
}

out <- lapply(names(cases), function(nm) {
  d <- as.data.frame(cases[[nm]])
  d$w <- seq(0.5, 1.5, length.out = nrow(d))
  fits <- list()
  for (ties in c("efron", "breslow")) for (weighted in c(FALSE, TRUE))
    fits[[length(fits) + 1]] <- coxph_of(d, ties, weighted)
  list(id = nm, time = d$time, event = d$event, g = d$g, w = d$w,
       survdiff = survdiff_of(d), coxph = fits)
})
# A propensity model with an aliased column (b = a on these patients): glm gives b an NA
# coefficient and fits the rest (retrostudy leaves the column out, with a warning).
ps <- data.frame(y = c(1, 0, 1, 1, 0, 0, 1, 0), a = c(1, 1, 0, 1, 0, 0, 1, 1),
                 b = c(1, 1, 0, 1, 0, 0, 1, 1), x = c(3.1, 2.0, 2.2, 4.4, 3.5, 2.9, 1.9, 2.8))
g <- glm(y ~ a + b + x, family = binomial, data = ps)
glm_aliased <- list(y = ps$y, a = ps$a, b = ps$b, x = ps$x,
                    names = names(coef(g)), coef = lapply(unname(coef(g)), function(v) if (is.na(v)) NULL else v),
                    fitted = unname(fitted(g)), aliased = names(which(is.na(coef(g)))))
write(toJSON(list(cases = out, glm_aliased = glm_aliased), auto_unbox = TRUE, digits = NA,
             null = "null", pretty = TRUE),
      "tests/reference/degenerate.json")
