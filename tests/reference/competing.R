# Reference values for retrostudy.stats.gray (Gray's test), the cmprsk variance of
# retrostudy.stats.cumulative_incidence, cause-specific Cox models and retrostudy.stats.subgroups.
#
# Regenerate (R >= 4.2, survival 3.5-x, cmprsk 2.2-11, MASS, jsonlite), from the repository root:
#     Rscript tests/reference/competing.R
# writes tests/reference/competing.json: the datasets used (so tests need no R) and
#  * gray: cmprsk::cuminc(...)$Tests rows (stat, pv, df) for every cause, with group, strata,
#    rho and cencode as given, plus pchisq(stat, df, lower.tail = FALSE);
#  * cuminc: cmprsk's per-group estimates and (Gray delta-method) variances, one row per
#    distinct time of the step function (the value after the jump), and the multi-state
#    survfit per group (pstate, std.err: infinitesimal jackknife) at its times;
#  * cs_cox: cause-specific coxph fits (every other cause censored): coef, se, loglik, n, nevent;
#  * interaction: anova(fit0, fit1) of nested coxph (treatment + subgroup [+ covariates] vs the
#    same with treatment:subgroup): Chisq, Df, P, and the two logliks;
#  * subgroup: coxph(treatment [+ covariates]) within each subgroup level: coef, se, HR, CI, p.
# Non-finite values (NA, NaN, Inf) are written as null.
suppressPackageStartupMessages({
  library(survival); library(cmprsk); library(MASS); library(jsonlite)
})

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

mgus_d <- with(mgus2, data.frame(time = ifelse(pstat == 0, futime, ptime),
                                 status = ifelse(pstat == 0, 2 * death, 1),
                                 sex = as.character(sex), age = age,
                                 old = as.integer(age >= 70),
                                 agegrp = as.character(cut(age, c(0, 60, 75, 120),
                                                           labels = c("a<=60", "b61-75", "c>75")))))
# rotterdam: recurrence (1) or death without recurrence (2), days; os = death from any cause
rott_d <- with(rotterdam, data.frame(time = ifelse(recur == 1, rtime, dtime),
                                     status = ifelse(recur == 1, 1, 2 * death),
                                     dtime = dtime, death = death,
                                     chemo = chemo, hormon = hormon, meno = meno, grade = grade,
                                     nodes = as.integer(nodes > 0), age = age,
                                     size = as.character(size)))
mel_d <- with(Melanoma, data.frame(time = time, status = status, sex = sex, ulcer = ulcer,
                                   thickness = thickness, age = age))
vet_d <- with(veteran, data.frame(time = time, status = status, trt = trt,
                                  celltype = as.character(celltype), karno = karno))
# tiny: one record per group (worked by hand in the tests)
tiny_d <- data.frame(time = c(1, 2), status = c(1, 0), group = c("a", "b"))
# small tied set: two groups, both causes at the same times, a tie between causes
small_d <- data.frame(time = c(1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8),
                      status = c(1, 2, 1, 1, 0, 2, 1, 0, 1, 2, 2, 1, 0, 1),
                      group = c(1, 2, 2, 1, 1, 2, 1, 2, 2, 1, 1, 2, 1, 2))
# seeded: many ties, four groups, three causes, two strata
set.seed(9)
n <- 400
seed_d <- data.frame(time = sample(1:40, n, replace = TRUE),
                     status = sample(0:3, n, replace = TRUE, prob = c(.35, .3, .2, .15)),
                     group = sample(c("A", "B", "C", "D"), n, replace = TRUE),
                     stratum = sample(c("x", "y"), n, replace = TRUE))
# the pooled incidence reaches 1 before the last event (cmprsk's 0/0 increment counts as 0)
full_d <- data.frame(time = c(1, 1, 1, 1, 2, 3), status = c(0, 1, 1, 1, 1, 1),
                     group = c("a", "a", "a", "a", "b", "b"))
# fuzz: 60 small samples with heavy ties, 2-3 groups, causes 1-2, rho in {-1, 0, 1, 2}, then
# 60 tinier ones (times 1-3, few censorings) where the pooled incidence often reaches 1
set.seed(2026)
fuzz_d <- do.call(rbind, lapply(1:120, function(i) {
  n <- if (i <= 60) sample(5:25, 1) else sample(3:8, 1)
  data.frame(sample = i, time = sample(if (i <= 60) 1:6 else 1:3, n, replace = TRUE),
             status = sample(0:2, n, replace = TRUE,
                             prob = if (i <= 60) c(1, 1, 1) else c(0.1, 0.6, 0.3)),
             group = sample(letters[1:sample(2:3, 1)], n, replace = TRUE))
}))
datasets <- list(mgus2 = mgus_d, rotterdam = rott_d, melanoma = mel_d, veteran = vet_d,
                 tiny = tiny_d, small = small_d, seeded = seed_d, full = full_d, fuzz = fuzz_d)

gray_case <- function(name, data, group, strata = NULL, rho = 0, cencode = 0) {
  d <- datasets[[data]]
  ci <- if (is.null(strata)) cuminc(d$time, d$status, d[[group]], rho = rho, cencode = cencode)
        else cuminc(d$time, d$status, d[[group]], d[[strata]], rho = rho, cencode = cencode)
  tests <- ci$Tests
  list(name = name, data = data, group = group, strata = strata, rho = rho, censor = cencode,
       causes = I(rownames(tests)), stat = I(fin(tests[, "stat"])), pv = I(fin(tests[, "pv"])),
       df = I(as.integer(tests[, "df"])),
       p_upper = I(fin(pchisq(tests[, "stat"], tests[, "df"], lower.tail = FALSE))))
}

gray <- list(
  gray_case("tiny", "tiny", "group"),
  gray_case("small", "small", "group"),
  gray_case("small_rho1", "small", "group", rho = 1),
  gray_case("mgus2_sex", "mgus2", "sex"),
  gray_case("mgus2_sex_rho1", "mgus2", "sex", rho = 1),
  gray_case("mgus2_sex_strata_old", "mgus2", "sex", strata = "old"),
  gray_case("mgus2_agegrp_rho0.5", "mgus2", "agegrp", rho = 0.5),
  gray_case("mgus2_agegrp_strata_sex", "mgus2", "agegrp", strata = "sex", rho = 2),
  gray_case("rotterdam_chemo", "rotterdam", "chemo"),
  gray_case("rotterdam_hormon_strata_meno", "rotterdam", "hormon", strata = "meno"),
  gray_case("rotterdam_grade_rho-0.5", "rotterdam", "grade", rho = -0.5),
  gray_case("rotterdam_size_strata_grade", "rotterdam", "size", strata = "grade", rho = 1),
  gray_case("melanoma_sex", "melanoma", "sex", cencode = 2),
  gray_case("melanoma_ulcer_rho1", "melanoma", "ulcer", rho = 1, cencode = 2),
  gray_case("melanoma_sex_strata_ulcer", "melanoma", "sex", strata = "ulcer", cencode = 2),
  gray_case("seeded", "seeded", "group"),
  gray_case("seeded_strata_rho0.75", "seeded", "group", strata = "stratum", rho = 0.75),
  gray_case("pooled_incidence_reaches_1", "full", "group"),
  gray_case("pooled_incidence_reaches_1_rho-1", "full", "group", rho = -1)
)

# fuzz: cmprsk's stat is -1 when its variance is singular (stored as null: we raise)
fuzz <- lapply(1:120, function(i) {
  d <- fuzz_d[fuzz_d$sample == i, ]
  rho <- c(-1, 0, 1, 2)[(i %% 4) + 1]
  ci <- tryCatch(cuminc(d$time, d$status, d$group, rho = rho)$Tests, error = function(e) NULL)
  if (is.null(ci) || is.null(dim(ci))) return(list(sample = i, rho = rho, causes = I(character(0))))
  stat <- ci[, "stat"]; stat[stat == -1] <- NA
  list(sample = i, rho = rho, causes = I(rownames(ci)), stat = I(fin(stat)),
       df = I(as.integer(ci[, "df"])))
})

# cmprsk's cumulative incidence per group and cause; keep the last row of each time (the
# value after the jump; the first row, time 0, and the closing row at the last time included)
cuminc_case <- function(name, data, group, cencode = 0) {
  d <- datasets[[data]]
  ci <- cuminc(d$time, d$status, d[[group]], cencode = cencode)
  ci$Tests <- NULL
  curves <- lapply(names(ci), function(key) {
    cur <- ci[[key]]
    keep <- !duplicated(cur$time, fromLast = TRUE)
    parts <- strsplit(key, " ")[[1]]
    list(group = parts[1], cause = parts[2], time = cur$time[keep], est = cur$est[keep],
         var = cur$var[keep])
  })
  groups <- sort(unique(d[[group]]))
  ms <- lapply(groups, function(g) {
    dd <- d[d[[group]] == g, ]
    st <- factor(ifelse(dd$status == cencode, 0, dd$status))
    fit <- survfit(Surv(dd$time, st) ~ 1)
    list(group = as.character(g), states = fit$states, time = fit$time,
         pstate = lapply(seq_len(ncol(fit$pstate)), function(j) fin(fit$pstate[, j])),
         std_err = lapply(seq_len(ncol(fit$std.err)), function(j) fin(fit$std.err[, j])))
  })
  list(name = name, data = data, group = group, censor = cencode, curves = curves,
       survfit = ms)
}

cuminc_cases <- list(
  cuminc_case("small", "small", "group"),
  cuminc_case("mgus2_sex", "mgus2", "sex"),
  cuminc_case("rotterdam_chemo", "rotterdam", "chemo"),
  cuminc_case("melanoma_sex", "melanoma", "sex", cencode = 2),
  cuminc_case("seeded", "seeded", "group")
)

# cause-specific Cox: the event is status == cause; every other cause is censored
cs_case <- function(name, data, cause, rhs, ties = "efron") {
  d <- datasets[[data]]
  d$cs_event <- as.integer(d$status == cause)
  fit <- coxph(as.formula(paste("Surv(time, cs_event) ~", rhs)), data = d, ties = ties)
  list(name = name, data = data, cause = cause, rhs = rhs, ties = ties,
       terms = I(names(coef(fit))), coef = I(fin(coef(fit))),
       se = I(fin(sqrt(diag(vcov(fit))))),
       loglik = fin(fit$loglik), n = fit$n, nevent = fit$nevent)
}

cs_cox <- list(
  cs_case("mgus2_pcm", "mgus2", 1, "sex + age"),
  cs_case("mgus2_death", "mgus2", 2, "sex + age"),
  cs_case("mgus2_death_breslow", "mgus2", 2, "sex + age", ties = "breslow"),
  cs_case("rotterdam_recur_strata", "rotterdam", 1,
          "chemo + hormon + age + factor(grade) + strata(meno)"),
  cs_case("rotterdam_death_norecur", "rotterdam", 2, "chemo + hormon + age"),
  cs_case("melanoma_melanoma", "melanoma", 1, "sex + thickness + ulcer"),
  cs_case("melanoma_other", "melanoma", 3, "sex + age")
)

# Fine-Gray: crr with its defaults, and again with gtol = 1e-12 (it then stops at maxiter
# with the score ~1e-6: tests evaluate our likelihood, score, information and sandwich at
# R's estimate, where they are deterministic)
crr_case <- function(name, data, cause, covs, cencode = 0) {
  d <- datasets[[data]]
  x <- model.matrix(as.formula(paste("~", paste(covs, collapse = " + "))), data = d)[, -1,
                                                                                   drop = FALSE]
  fits <- lapply(list(default = 1e-6, tight = 1e-12), function(g)
    crr(d$time, d$status, x, failcode = cause, cencode = cencode, gtol = g,
        maxiter = if (g < 1e-6) 100 else 10))
  out <- lapply(fits, function(f) list(
    coef = I(fin(f$coef)), var = lapply(seq_len(ncol(f$var)), function(j) fin(f$var[, j])),
    inf = lapply(seq_len(ncol(f$inf)), function(j) fin(f$inf[, j])),
    score = I(fin(f$score)), loglik = fin(f$loglik), loglik_null = fin(f$loglik.null),
    converged = f$converged))
  list(name = name, data = data, cause = cause, censor = cencode, covariates = I(covs),
       terms = I(colnames(x)), default = out$default, tight = out$tight)
}
crr_cases <- list(
  crr_case("mgus2_pcm", "mgus2", 1, c("sex", "age")),
  crr_case("mgus2_death", "mgus2", 2, c("sex", "age")),
  crr_case("rotterdam_recur", "rotterdam", 1, c("chemo", "hormon", "age", "factor(grade)")),
  crr_case("melanoma", "melanoma", 1, c("sex", "thickness", "ulcer"), cencode = 2),
  crr_case("seeded", "seeded", 2, c("group", "stratum"))
)

# interaction: anova of nested Cox models; subgroup: Cox within each level
inter_case <- function(name, data, time, event, trt, sub, covs = character(0), ties = "efron",
                       levels = NULL, strata = NULL) {
  d <- datasets[[data]]
  d$.sub <- factor(d[[sub]], levels = if (is.null(levels)) sort(unique(d[[sub]])) else levels)
  d$.trt <- d[[trt]]
  rhs0 <- paste(c(".trt", ".sub", covs, if (!is.null(strata)) paste0("strata(", strata, ")")),
                collapse = " + ")
  f0 <- as.formula(paste0("Surv(", time, ", ", event, ") ~ ", rhs0))
  f1 <- as.formula(paste0("Surv(", time, ", ", event, ") ~ ", rhs0, " + .trt:.sub"))
  fit0 <- coxph(f0, data = d, ties = ties)
  fit1 <- coxph(f1, data = d, ties = ties)
  a <- anova(fit0, fit1)
  per <- lapply(levels(d$.sub), function(lv) {
    dd <- d[d$.sub == lv, ]
    rhs <- paste(c(".trt", covs, if (!is.null(strata)) paste0("strata(", strata, ")")),
                 collapse = " + ")
    fit <- coxph(as.formula(paste0("Surv(", time, ", ", event, ") ~ ", rhs)), data = dd,
                 ties = ties)
    s <- summary(fit)
    list(level = lv, n = fit$n, nevent = fit$nevent, coef = fin(coef(fit)[1]),
         se = fin(sqrt(vcov(fit)[1, 1])), hr = fin(s$conf.int[1, 1]),
         lower = fin(s$conf.int[1, 3]), upper = fin(s$conf.int[1, 4]),
         p = fin(s$coefficients[1, "Pr(>|z|)"]))
  })
  list(name = name, data = data, time = time, event = event, treatment = trt, subgroup = sub,
       covariates = I(covs), ties = ties, strata = strata, levels = levels(d$.sub),
       chisq = fin(a$Chisq[2]), df = as.integer(a$Df[2]), p = fin(a[["Pr(>|Chi|)"]][2]),
       loglik0 = fin(fit0$loglik[2]), loglik1 = fin(fit1$loglik[2]), per_level = per)
}

interaction <- list(
  inter_case("rotterdam_chemo_grade", "rotterdam", "dtime", "death", "chemo", "grade"),
  inter_case("rotterdam_chemo_meno", "rotterdam", "dtime", "death", "chemo", "meno",
             covs = "age"),
  # chemo was given only to node-positive patients: the interaction is aliased (R: Df 0)
  inter_case("rotterdam_chemo_nodes", "rotterdam", "dtime", "death", "chemo", "nodes"),
  inter_case("rotterdam_chemo_size_breslow", "rotterdam", "dtime", "death", "chemo", "size",
             covs = c("age", "grade"), ties = "breslow"),
  inter_case("rotterdam_hormon_size_strata", "rotterdam", "dtime", "death", "hormon", "size",
             strata = "meno"),
  inter_case("veteran_trt_celltype", "veteran", "time", "status", "trt", "celltype",
             levels = c("squamous", "smallcell", "adeno", "large")),
  inter_case("veteran_trt_celltype_karno", "veteran", "time", "status", "trt", "celltype",
             covs = "karno", levels = c("squamous", "smallcell", "adeno", "large"))
)

out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  cmprsk = as.character(packageVersion("cmprsk"))),
  data = datasets, gray = gray, fuzz = fuzz, cuminc = cuminc_cases, crr = crr_cases, cs_cox = cs_cox,
  interaction = interaction)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  dataframe = "columns"),
           "tests/reference/competing.json")
