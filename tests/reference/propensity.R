# Reference values for retrostudy.stats.propensity (R 4.2.2, survival 3.5-3, MatchIt 4.5.1).
# Regenerate from the repository root:   Rscript tests/reference/propensity.R
# Writes tests/reference/propensity.json (full precision) and the design matrices it used as
# tests/reference/propensity_<name>.csv, so the Python tests need no R.
#
# WeightIt and cobalt are not installed: the weights and standardised mean differences are
# computed here in plain R from their documented formulas (see docs/statistics.md,
# "Propensity scores"); the logistic fits are glm(), the matching is MatchIt::matchit(), the
# outcome analyses are survfit() and coxph().
suppressPackageStartupMessages({library(survival); library(jsonlite); library(MatchIt)})
stopifnot(packageVersion("survival") == "3.5.3", packageVersion("MatchIt") == "4.5.1")
out_dir <- "tests/reference"

# ---- data: model matrices without the intercept, the treatment and an outcome ----------------
vet <- survival::veteran
vet_x <- model.matrix(~ celltype + karno + diagtime + age + prior, vet)[, -1]
vet_d <- data.frame(vet_x, check.names = FALSE)
vet_d$treated <- as.integer(vet$trt == 2)
vet_d$time <- vet$time
vet_d$event <- vet$status
set.seed(20261124)
vet_d$iw <- sample(1:3, nrow(vet_d), replace = TRUE)        # integer case weights for glm

rot <- survival::rotterdam
rot_x <- model.matrix(~ age + meno + size + grade + nodes + pgr + er + hormon, rot)[, -1]
rot_d <- data.frame(rot_x, check.names = FALSE)
rot_d$treated <- rot$chemo
rot_d$time <- rot$dtime
rot_d$event <- rot$death

datasets <- list(veteran = list(d = vet_d, x = colnames(vet_x), times = c(30, 90, 180, 365)),
                 rotterdam = list(d = rot_d, x = colnames(rot_x), times = c(365, 1826, 3652)))
for (nm in names(datasets))
  write.csv(datasets[[nm]]$d, file.path(out_dir, paste0("propensity_", nm, ".csv")),
            row.names = FALSE)

# ---- helpers ---------------------------------------------------------------------------------
glm_fit <- function(x, y, w = NULL) {
  f <- if (is.null(w)) glm(y ~ x, family = binomial()) else
    glm(y ~ x, family = binomial(), weights = w)
  s <- summary(f)
  list(coef = unname(coef(f)), se = unname(s$coefficients[, 2]),
       vcov = unname(vcov(f)), loglik = as.numeric(logLik(f)), deviance = f$deviance,
       fitted = unname(fitted(f)), linear = unname(f$linear.predictors),
       iter = f$iter, converged = f$converged)
}

ps_weights <- function(ps, t, estimand, stabilized, keep = rep(TRUE, length(ps))) {
  w <- numeric(length(ps))
  p1 <- mean(t[keep]); n0 <- sum(keep & t == 0)
  if (estimand == "ATE") {
    w[keep] <- ifelse(t[keep] == 1, 1 / ps[keep], 1 / (1 - ps[keep]))
    if (stabilized) w[keep] <- w[keep] * ifelse(t[keep] == 1, p1, 1 - p1)
  } else {
    w[keep] <- ifelse(t[keep] == 1, 1, ps[keep] / (1 - ps[keep]))
    if (stabilized) { c0 <- keep & t == 0; w[c0] <- w[c0] * n0 / sum(w[c0]) }
  }
  w
}

ess <- function(w) sum(w)^2 / sum(w^2)

wvar <- function(x, w) {      # cobalt's col_w_var: reliability-weights unbiased variance
  w <- w / sum(w); m <- sum(w * x)
  sum(w * (x - m)^2) / (1 - sum(w^2))
}

balance <- function(x, t, w, estimand) {
  res <- lapply(colnames(x), function(v) {
    z <- x[, v]; bin <- all(z %in% c(0, 1))
    s2 <- function(a) if (bin) mean(a) * (1 - mean(a)) else var(a)
    den <- if (estimand == "ATT") sqrt(s2(z[t == 1])) else sqrt((s2(z[t == 1]) + s2(z[t == 0])) / 2)
    m1 <- mean(z[t == 1]); m0 <- mean(z[t == 0])
    m1w <- weighted.mean(z[t == 1], w[t == 1]); m0w <- weighted.mean(z[t == 0], w[t == 0])
    vr <- if (bin) NA else var(z[t == 1]) / var(z[t == 0])
    vrw <- if (bin) NA else wvar(z[t == 1], w[t == 1]) / wvar(z[t == 0], w[t == 0])
    c(binary = bin, m1 = m1, m0 = m0, m1w = m1w, m0w = m0w, smd = (m1 - m0) / den,
      smdw = (m1w - m0w) / den, vr = vr, vrw = vrw)
  })
  r <- do.call(rbind, res)
  list(binary = as.logical(r[, "binary"]), mean_treated_before = unname(r[, "m1"]),
       mean_control_before = unname(r[, "m0"]), mean_treated_after = unname(r[, "m1w"]),
       mean_control_after = unname(r[, "m0w"]), smd_before = unname(r[, "smd"]),
       smd_after = unname(r[, "smdw"]), variance_ratio_before = unname(r[, "vr"]),
       variance_ratio_after = unname(r[, "vrw"]))
}

km_summary <- function(time, event, w, times) {
  f <- survfit(Surv(time, event) ~ 1, weights = w)
  s <- summary(f, times = times, extend = TRUE)
  q <- quantile(f, probs = 0.5)
  list(times = times, surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper,
       median = unname(c(q$quantile, q$lower, q$upper)))
}

cox_summary <- function(f) {
  list(coef = unname(coef(f)), se = unname(sqrt(diag(f$naive.var))),
       robust_se = unname(sqrt(diag(f$var))), rscore = unname(f$rscore),
       wald = unname(f$wald.test), loglik = unname(f$loglik), n = f$n, nevent = f$nevent)
}

weighted_outcomes <- function(d, w, times) {
  k <- w > 0
  dd <- d[k, ]; ww <- w[k]
  km <- lapply(c(treated = 1, control = 0), function(a) {
    s <- dd$treated == a
    km_summary(dd$time[s], dd$event[s], ww[s], times)
  })
  f <- coxph(Surv(time, event) ~ treated, data = dd, weights = ww, robust = TRUE)
  list(km = km, cox = cox_summary(f))
}

# MatchIt 4.5.1 routes a distance VECTOR to its new nn_matchC_vec, which compares distances
# with C's integer abs(): a caliper below 1 is not enforced and the nearer neighbour is not
# always chosen (see vector_path_check below). We therefore give MatchIt the distance MATRIX
# |logit_t - logit_c|, which runs its general nn_matchC (the algorithm of every version up to
# 4.5.0): each treated unit takes the nearest available control, exact ties to the first in
# the data, |d| <= caliper. m.order is "data" for a matrix, so for "largest" the treated rows
# are put first in decreasing logit (R's order(), ties in data order); controls keep their
# order. The caliper is 0.2 * sd(logit) over all units, MatchIt's std.caliper = TRUE width.
match_case <- function(d, x, lp, replace, order, times) {
  rownames(d) <- as.character(seq_len(nrow(d)))
  tr <- which(d$treated == 1); ct <- which(d$treated == 0)
  tr_ord <- if (order == "largest") tr[order(lp[tr], decreasing = TRUE)] else tr
  perm <- c(tr_ord, ct)
  dp <- d[perm, ]; lpp <- lp[perm]
  dmat <- abs(outer(lpp[dp$treated == 1], lpp[dp$treated == 0], "-"))
  width <- 0.2 * sd(lp)
  m <- matchit(reformulate(sprintf("`%s`", x), "treated"), data = dp, method = "nearest",
               distance = dmat, caliper = width, std.caliper = FALSE, replace = replace,
               m.order = "data")
  mm <- m$match.matrix
  ok <- !is.na(mm[, 1])
  pt <- as.integer(rownames(mm)[ok]); pc <- as.integer(mm[ok, 1])
  md <- match.data(m)
  if (replace) {
    f <- coxph(Surv(time, event) ~ treated, data = md, weights = weights, robust = TRUE)
  } else {
    f <- coxph(Surv(time, event) ~ treated + cluster(subclass), data = md)
  }
  w <- numeric(nrow(d)); w[perm] <- unname(m$weights)
  list(replace = replace, order = order, caliper_width = width,
       pairs_treated = pt - 1L, pairs_control = pc - 1L,
       max_pair_distance = max(abs(lp[pt] - lp[pc])),
       weights = w,
       n_matched = list(treated = sum(w[d$treated == 1] > 0), control = sum(w[d$treated == 0] > 0)),
       balance = balance(as.matrix(d[, x]), d$treated, w, "ATT"),
       km = lapply(c(treated = 1, control = 0), function(a) {
         s <- md$treated == a
         km_summary(md$time[s], md$event[s], md$weights[s], times)
       }),
       cox = cox_summary(f))
}

vector_path_check <- function(d, x, lp) {   # the 4.5.1 fast path, for the record
  m <- matchit(reformulate(sprintf("`%s`", x), "treated"), data = d, method = "nearest",
               distance = lp, caliper = 0.2)
  mm <- m$match.matrix; ok <- !is.na(mm[, 1])
  list(caliper_width = unname(m$caliper), n_pairs = sum(ok),
       max_pair_distance = max(abs(lp[as.integer(rownames(mm)[ok])] - lp[as.integer(mm[ok, 1])])))
}

run <- function(nm) {
  ds <- datasets[[nm]]; d <- ds$d; x <- as.matrix(d[, ds$x]); t <- d$treated
  g <- glm_fit(x, t)
  ps <- g$fitted; lp <- g$linear
  res <- list(names = c("(Intercept)", ds$x), glm = g)
  if (nm == "veteran") res$glm_weighted <- glm_fit(x, t, d$iw)
  wt <- list()
  for (est in c("ATE", "ATT")) for (st in c(TRUE, FALSE)) {
    w <- ps_weights(ps, t, est, st)
    id <- paste0(est, if (st) "_stabilized" else "")
    wt[[id]] <- list(estimand = est, stabilized = st, weights = w,
                     ess = list(treated = ess(w[t == 1]), control = ess(w[t == 0])),
                     balance = balance(x, t, w, est),
                     outcomes = weighted_outcomes(d, w, ds$times))
  }
  keep <- ps >= 0.1 & ps <= 0.9          # Crump-style trimming: PS outside [0.1, 0.9] dropped
  w <- ps_weights(ps, t, "ATE", TRUE, keep)
  wt$ATE_stabilized_trim <- list(estimand = "ATE", stabilized = TRUE, trim = c(0.1, 0.9),
                                 weights = w, trimmed = !keep,
                                 ess = list(treated = ess(w[t == 1 & keep]),
                                            control = ess(w[t == 0 & keep])),
                                 outcomes = weighted_outcomes(d, w, ds$times))
  res$weights <- wt
  res$matching <- list()
  for (rep in c(FALSE, TRUE)) for (ord in c("largest", "data")) {
    id <- paste0(if (rep) "replace_" else "noreplace_", ord)
    res$matching[[id]] <- match_case(d, ds$x, lp, rep, ord, ds$times)
  }
  res$matchit_451_vector_path <- vector_path_check(d, ds$x, lp)
  res
}

cases <- lapply(setNames(names(datasets), names(datasets)), run)

# ---- separation: glm's estimates diverge; Firth's penalised likelihood is finite -------------
# quasi-complete: every unit with z = 1 is treated (a category where everyone got the drug);
# complete: y = 1 exactly when x1 > 0.
set.seed(7)
n <- 40
sep <- data.frame(x1 = round(rnorm(n), 3), x2 = round(rnorm(n), 3), z = rbinom(n, 1, 0.3))
sep$y_quasi <- rbinom(n, 1, plogis(0.3 + sep$x1))
sep$y_quasi[sep$z == 1] <- 1L
sep$y_complete <- as.integer(sep$x1 > 0)
write.csv(sep, file.path(out_dir, "propensity_separation.csv"), row.names = FALSE)

firth_case <- function(y, xs) {
  warns <- character(0)
  ml <- withCallingHandlers(glm(y ~ xs[, -1], family = binomial()),
                            warning = function(w) { warns <<- c(warns, conditionMessage(w))
                                                    invokeRestart("muffleWarning") })
  pen <- function(b) {
    eta <- drop(xs %*% b)
    sum(y * eta - log1p(exp(eta))) +
      0.5 * determinant(crossprod(xs, xs * (plogis(eta) * (1 - plogis(eta)))),
                        logarithm = TRUE)$modulus[1]
  }
  grad <- function(b) {         # Firth's modified score X'(y - p + h (1/2 - p))
    p <- plogis(drop(xs %*% b)); wx <- xs * sqrt(p * (1 - p))
    h <- rowSums((wx %*% solve(crossprod(wx))) * wx)
    drop(crossprod(xs, y - p + h * (0.5 - p)))
  }
  opt <- optim(numeric(ncol(xs)), function(b) -pen(b), function(b) -grad(b), method = "BFGS",
               control = list(reltol = 1e-15, maxit = 1000))
  b <- opt$par
  for (i in 1:200) {            # polish: Fisher-scoring steps on the modified score
    if (max(abs(grad(b))) < 1e-12) break
    p <- plogis(drop(xs %*% b)); b <- b + solve(crossprod(xs, xs * (p * (1 - p))), grad(b))
  }
  p <- plogis(drop(xs %*% b))
  vf <- solve(crossprod(xs, xs * (p * (1 - p))))
  list(ml_warnings = warns, ml_coef = unname(coef(ml)), ml_se = unname(sqrt(diag(vcov(ml)))),
       ml_converged = ml$converged, ml_iter = ml$iter,
       firth = list(coef = b, se = sqrt(diag(vf)), vcov = vf, fitted = p,
                    loglik = sum(y * log(p) + (1 - y) * log(1 - p)),
                    loglik_penalised = pen(b), max_abs_score = max(abs(grad(b))),
                    optim_convergence = opt$convergence))
}
cases$separation <- list(
  quasi = c(list(y = "y_quasi", x = c("x1", "z")), firth_case(sep$y_quasi, cbind(1, sep$x1, sep$z))),
  complete = c(list(y = "y_complete", x = c("x1", "x2")),
               firth_case(sep$y_complete, cbind(1, sep$x1, sep$x2))))

writeLines(toJSON(list(generated_by = "tests/reference/propensity.R",
                       r_version = R.version.string,
                       survival = as.character(packageVersion("survival")),
                       matchit = as.character(packageVersion("MatchIt")),
                       cases = cases),
                  digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           file.path(out_dir, "propensity.json"))
