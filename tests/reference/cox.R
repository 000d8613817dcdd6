# Reference values for retrostudy.stats.cox_ph / CoxPH.zph (R >= 4.2, survival 3.5-3).
# Regenerate from the repository root:   Rscript tests/reference/cox.R
# Writes tests/reference/cox.json (full precision) and the datasets it used as
# tests/reference/cox_<name>.csv, so the Python tests need no R.
suppressPackageStartupMessages({library(survival); library(jsonlite)})
stopifnot(packageVersion("survival") == "3.5.3")
out_dir <- "tests/reference"

lung1 <- na.omit(survival::lung[, c("time", "status", "age", "sex", "ph.ecog",
                                    "ph.karno", "wt.loss", "inst")])
lung1$event <- lung1$status - 1L
lung1$status <- NULL
set.seed(20261124)
lung1$iw <- sample(1:3, nrow(lung1), replace = TRUE)          # integer (frequency) weights
lung1$fw <- round(runif(nrow(lung1), 0.2, 2.5), 3)            # non-integer weights
lung1$month <- ceiling(lung1$time / 30.4375)                  # heavily tied times
lung1$sexf <- ifelse(lung1$sex == 1, "male", "female")
vet <- survival::veteran
vet$celltype <- as.character(vet$celltype)                    # levels given in the test
ova <- survival::ovarian
ova$fustat <- as.integer(ova$fustat)
datasets <- list(lung = lung1, veteran = vet, ovarian = ova)
for (nm in names(datasets))
  write.csv(datasets[[nm]], file.path(out_dir, paste0("cox_", nm, ".csv")), row.names = FALSE)
vet$celltype <- factor(vet$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
# cox.zph in survival 3.5-3 needs double (not integer) Surv columns
dbl <- function(d) { for (v in names(d)) if (is.integer(d[[v]])) d[[v]] <- as.double(d[[v]]); d }
data_of <- list(lung = dbl(lung1), veteran = dbl(vet), ovarian = dbl(ova))

zph_tab <- function(fit, transform) {
  z <- cox.zph(fit, transform = transform)$table
  list(terms = rownames(z), chisq = unname(z[, 1]), df = unname(z[, 2]), p = unname(z[, 3]))
}

run <- function(id, data, formula, time = "time", event = "event", covariates, ties = "efron",
                weights = NULL, strata = NULL, cluster = NULL, robust = NULL, zph = FALSE,
                levels = NULL) {
  d <- data_of[[data]]
  args <- list(formula = as.formula(formula), data = d, ties = ties)
  if (!is.null(weights)) args$weights <- d[[weights]]
  if (!is.null(robust)) args$robust <- robust
  fit <- do.call(coxph, args)
  s <- summary(fit)
  co <- s$coefficients
  res <- list(id = id, data = data, time = time, event = event, covariates = covariates,
              ties = ties, weights = weights, strata = strata, cluster = cluster,
              robust = robust, levels = levels,
              names = rownames(co), coef = unname(fit$coefficients),
              se = unname(sqrt(diag(if (is.null(fit$naive.var)) fit$var else fit$naive.var))),
              robust_se = if (is.null(fit$naive.var)) NULL else unname(sqrt(diag(fit$var))),
              conf_low = unname(s$conf.int[, 3]), conf_high = unname(s$conf.int[, 4]),
              p = unname(co[, ncol(co)]),
              loglik = unname(fit$loglik), score = unname(fit$score),
              wald = unname(fit$wald.test), rscore = if (is.null(fit$rscore)) NULL else fit$rscore,
              iter = fit$iter, n = fit$n, nevent = fit$nevent,
              concordance = unname(fit$concordance["concordance"]),
              concordance_se = unname(fit$concordance["std"]))
  if (zph) res$zph <- lapply(c(km = "km", identity = "identity", rank = "rank", log = "log"),
                             function(tr) zph_tab(fit, tr))
  res
}

cases <- list(
  run("lung_efron", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"), zph = TRUE),
  run("lung_breslow", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"),
      ties = "breslow", zph = TRUE),
  run("lung_exact", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"), ties = "exact"),
  run("lung_multi", "lung", "Surv(time, event) ~ age + sex + ph.ecog + ph.karno + wt.loss",
      covariates = c("age", "sex", "ph.ecog", "ph.karno", "wt.loss"), zph = TRUE),
  run("lung_strata", "lung", "Surv(time, event) ~ age + ph.ecog + strata(sex)",
      covariates = c("age", "ph.ecog"), strata = "sex", zph = TRUE),
  run("lung_strata_breslow", "lung", "Surv(time, event) ~ age + ph.ecog + strata(sex)",
      covariates = c("age", "ph.ecog"), strata = "sex", ties = "breslow"),
  run("lung_cluster", "lung", "Surv(time, event) ~ age + sex + cluster(inst)",
      covariates = c("age", "sex"), cluster = "inst"),
  run("lung_robust", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"),
      robust = TRUE),
  run("lung_iweights", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"),
      weights = "iw", zph = TRUE),
  run("lung_iweights_breslow", "lung", "Surv(time, event) ~ age + sex",
      covariates = c("age", "sex"), weights = "iw", ties = "breslow"),
  run("lung_fweights", "lung", "Surv(time, event) ~ age + sex", covariates = c("age", "sex"),
      weights = "fw"),
  run("lung_char", "lung", "Surv(time, event) ~ age + sexf", covariates = c("age", "sexf")),
  run("lung_month_efron", "lung", "Surv(month, event) ~ age + sex + ph.ecog", time = "month",
      covariates = c("age", "sex", "ph.ecog"), zph = TRUE),
  run("lung_month_breslow", "lung", "Surv(month, event) ~ age + sex + ph.ecog", time = "month",
      covariates = c("age", "sex", "ph.ecog"), ties = "breslow"),
  run("lung_month_exact", "lung", "Surv(month, event) ~ age + sex + ph.ecog", time = "month",
      covariates = c("age", "sex", "ph.ecog"), ties = "exact"),
  run("lung_strata_exact", "lung", "Surv(month, event) ~ age + ph.ecog + strata(sex)",
      time = "month", covariates = c("age", "ph.ecog"), strata = "sex", ties = "exact"),
  run("lung_strata_fw_cluster", "lung",
      "Surv(time, event) ~ age + ph.ecog + strata(sex) + cluster(inst)",
      covariates = c("age", "ph.ecog"), strata = "sex", weights = "fw", cluster = "inst"),
  run("lung_month_strata", "lung", "Surv(month, event) ~ age + ph.ecog + strata(sex)",
      time = "month", covariates = c("age", "ph.ecog"), strata = "sex", zph = TRUE),
  run("veteran_efron", "veteran", "Surv(time, status) ~ trt + celltype + karno", event = "status",
      covariates = c("trt", "celltype", "karno"), zph = TRUE,
      levels = list(celltype = c("squamous", "smallcell", "adeno", "large"))),
  run("veteran_breslow", "veteran", "Surv(time, status) ~ trt + celltype + karno", event = "status",
      covariates = c("trt", "celltype", "karno"), ties = "breslow",
      levels = list(celltype = c("squamous", "smallcell", "adeno", "large"))),
  run("veteran_exact", "veteran", "Surv(time, status) ~ trt + celltype + karno", event = "status",
      covariates = c("trt", "celltype", "karno"), ties = "exact",
      levels = list(celltype = c("squamous", "smallcell", "adeno", "large"))),
  run("ovarian_efron", "ovarian", "Surv(futime, fustat) ~ age + rx + ecog.ps", time = "futime",
      event = "fustat", covariates = c("age", "rx", "ecog.ps"), zph = TRUE),
  run("ovarian_exact", "ovarian", "Surv(futime, fustat) ~ age + rx", time = "futime",
      event = "fustat", covariates = c("age", "rx"), ties = "exact")
)
names(cases) <- vapply(cases, function(x) x$id, "")

# Firth (coxphf is not in Debian): maximise l(b) + 1/2 log det I(b) directly with optim, where
# coxph(init = b, iter.max = 0) returns the Breslow log-likelihood and I(b)^-1 at b.
set.seed(7)
firth <- data.frame(time = round(rexp(30, 0.1), 1) + 0.1, event = rbinom(30, 1, 0.7),
                    group = rep(c(0, 1), c(22, 8)), age = round(rnorm(30, 60, 8)))
firth$event[firth$group == 1] <- 0L          # no events in group 1: monotone likelihood
write.csv(firth, file.path(out_dir, "cox_firth.csv"), row.names = FALSE)
pen <- function(b) {
  f <- suppressWarnings(coxph(Surv(time, event) ~ group + age, data = firth, ties = "breslow",
                              init = b, control = coxph.control(iter.max = 0)))
  f$loglik[2] - 0.5 * log(det(f$var))
}
opt <- optim(c(0, 0), function(b) -pen(b), method = "BFGS",
             control = list(reltol = 1e-15, maxit = 10000, ndeps = c(1e-5, 1e-5)))
bhat <- opt$par
lmax <- -opt$value
prof <- function(j, bj) {
  inner <- optimize(function(o) { b <- numeric(2); b[j] <- bj; b[-j] <- o; -pen(b) },
                    bhat[-j] + c(-5, 5), tol = 1e-12)
  -inner$objective
}
q <- qchisq(0.95, 1)
ci <- sapply(1:2, function(j) {
  f <- function(bj) 2 * (lmax - prof(j, bj)) - q
  wd <- c(20, 1)[j]
  c(uniroot(f, c(bhat[j] - wd, bhat[j]), tol = 1e-12)$root,
    uniroot(f, c(bhat[j], bhat[j] + wd), tol = 1e-12)$root)
})
pv <- sapply(1:2, function(j) pchisq(2 * (lmax - prof(j, 0)), 1, lower.tail = FALSE))
ml <- tryCatch(coxph(Surv(time, event) ~ group + age, data = firth, ties = "breslow"),
               warning = function(w) conditionMessage(w))
cases$firth <- list(coef = bhat, loglik_penalised = lmax, loglik_null_penalised = pen(c(0, 0)),
                    conf_low = exp(ci[1, ]), conf_high = exp(ci[2, ]), p = pv,
                    ml_warning = ml)
writeLines(toJSON(list(R = R.version.string, survival = as.character(packageVersion("survival")),
                       cases = cases), digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE),
           file.path(out_dir, "cox.json"))
