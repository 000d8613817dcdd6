# Reference values for the Table-1 / response-table tests in retrostudy.stats.
#
# Regenerate (R >= 4.2 with jsonlite and MASS, e.g. Debian r-base-core r-cran-jsonlite):
#   cd tests/reference && Rscript tests.R
# Writes tests.json next to this script at full precision (digits = NA). The Python tests
# (tests/stats/test_contingency.py, test_ranks.py, test_proportions.py) read the JSON, so CI
# needs no R. Inputs are stored in the JSON too, so the Python side never re-types them.
suppressPackageStartupMessages({
  library(jsonlite)
  library(MASS)
})

tab <- function(rows) matrix(unlist(rows), nrow = length(rows), byrow = TRUE)

tables <- list(
  trr = list(c(2, 16), c(6, 18)),
  dcr = list(c(3, 15), c(15, 9)),
  visceral = list(c(13, 5), c(18, 6)),
  hr_status = list(c(11, 7), c(10, 14)),
  small_expected = list(c(1, 9), c(8, 2)),
  yates_below_half = list(c(5, 5), c(5, 6)),
  large_2x2 = list(c(20, 35), c(40, 22)),
  ecog = list(c(13, 5, 0), c(13, 10, 1)),
  t2x3 = list(c(10, 20, 30), c(15, 25, 5)),
  t3x4 = list(c(8, 3, 5, 2), c(4, 9, 1, 6), c(2, 5, 7, 10)),
  t3x3_small = list(c(1, 0, 3), c(2, 4, 0), c(0, 1, 5))
)

chisq <- lapply(names(tables), function(nm) {
  x <- tab(tables[[nm]])
  one <- function(correct) {
    r <- suppressWarnings(chisq.test(x, correct = correct))
    list(statistic = unname(r$statistic), df = unname(r$parameter), p_value = r$p.value,
         method = r$method, expected = r$expected)
  }
  list(name = nm, table = x, correct_true = one(TRUE), correct_false = one(FALSE))
})

fisher_2x2_cases <- list(
  list(name = "trr", table = tables$trr),
  list(name = "dcr", table = tables$dcr),
  list(name = "visceral", table = tables$visceral),
  list(name = "hr_status", table = tables$hr_status),
  list(name = "small_expected", table = tables$small_expected),
  list(name = "large_2x2", table = tables$large_2x2),
  list(name = "zero_cell", table = list(c(0, 5), c(6, 3))),
  list(name = "zero_hi", table = list(c(4, 0), c(0, 5))),
  list(name = "zero_corner", table = list(c(7, 3), c(0, 4))),
  list(name = "zero_row", table = list(c(0, 0), c(3, 4))),
  list(name = "dcr_less", table = tables$dcr, alternative = "less"),
  list(name = "dcr_greater", table = tables$dcr, alternative = "greater"),
  list(name = "trr_greater", table = tables$trr, alternative = "greater"),
  list(name = "trr_conf90", table = tables$trr, conf_level = 0.9)
)
fisher_2x2 <- lapply(fisher_2x2_cases, function(cs) {
  alt <- if (is.null(cs$alternative)) "two.sided" else cs$alternative
  cl <- if (is.null(cs$conf_level)) 0.95 else cs$conf_level
  x <- tab(cs$table)
  r <- fisher.test(x, alternative = alt, conf.level = cl)
  list(name = cs$name, table = x, alternative = alt, conf_level = cl, p_value = r$p.value,
       estimate = unname(r$estimate), conf_low = r$conf.int[1], conf_high = r$conf.int[2])
})

rxc_tables <- list(
  ecog = tables$ecog,
  t2x3 = tables$t2x3,
  t3x4 = tables$t3x4,
  t3x3_small = tables$t3x3_small,
  symmetric_2x3 = list(c(2, 2, 2), c(2, 2, 2)),
  t2x5 = list(c(12, 8, 5, 3, 2), c(6, 9, 10, 8, 7)),
  t2x4_n200 = list(c(30, 25, 20, 25), c(20, 30, 35, 15)),
  t3x3_n150 = list(c(20, 15, 15), c(10, 25, 15), c(15, 10, 25)),
  t4x5 = list(c(5, 3, 2, 4, 1), c(2, 6, 3, 1, 4), c(3, 2, 7, 2, 2), c(1, 4, 2, 6, 3)),
  zero_column = list(c(3, 0, 4), c(5, 0, 1)),
  # Larger tables with small p-values, where FEXACT's tolerance (3.45254e-7 on the log
  # scale) matters in the 8th digit: generated once with numpy's default_rng(1).
  t2x5_n300 = list(c(42, 30, 43, 23, 34), c(31, 20, 24, 31, 22)),
  t3x4_n150 = list(c(16, 19, 6, 18), c(9, 5, 7, 10), c(24, 7, 24, 5)),
  t3x4_n300 = list(c(32, 19, 26, 23), c(31, 31, 12, 17), c(10, 52, 21, 26)),
  t3x3_n300 = list(c(36, 45, 22), c(11, 26, 11), c(69, 73, 7))
)
fisher_rxc <- lapply(names(rxc_tables), function(nm) {
  x <- tab(rxc_tables[[nm]])
  list(name = nm, table = x, p_value = fisher.test(x, workspace = 2e7)$p.value)
})

set.seed(20261124)
samples <- list(
  exact_no_ties = list(x = round(rnorm(18, 60, 10), 6), y = round(rnorm(24, 63, 10), 6)),
  exact_small = list(x = c(3.1, 0.4, 2.2), y = c(5.0, 4.1, 1.7, 6.3)),
  ties = list(x = as.numeric(sample(0:6, 18, TRUE)), y = as.numeric(sample(0:6, 24, TRUE))),
  large = list(x = round(rnorm(55), 8), y = round(rnorm(40, 0.3), 8))
)
wilcox_cases <- list(
  list(sample = "exact_no_ties"),
  list(sample = "exact_no_ties", alternative = "less"),
  list(sample = "exact_no_ties", alternative = "greater"),
  list(sample = "exact_small"),
  list(sample = "exact_no_ties", exact = FALSE),
  list(sample = "exact_no_ties", exact = FALSE, correct = FALSE),
  list(sample = "ties"),
  list(sample = "ties", correct = FALSE),
  list(sample = "ties", alternative = "greater"),
  list(sample = "large"),
  list(sample = "large", alternative = "less")
)
wilcox <- lapply(wilcox_cases, function(cs) {
  s <- samples[[cs$sample]]
  alt <- if (is.null(cs$alternative)) "two.sided" else cs$alternative
  cor <- if (is.null(cs$correct)) TRUE else cs$correct
  r <- wilcox.test(s$x, s$y, alternative = alt, correct = cor, exact = cs$exact)
  list(sample = cs$sample, alternative = alt, correct = cor,
       exact = if (is.null(cs$exact)) NULL else cs$exact,
       statistic = unname(r$statistic), p_value = r$p.value, method = r$method)
})

groups <- list(
  ties3 = list(c(2, 4, 4, 5, 7), c(1, 3, 4, 4, 6, 8), c(5, 5, 7, 9)),
  no_ties4 = list(samples$exact_no_ties$x[1:6], samples$exact_no_ties$x[7:12],
                  samples$exact_no_ties$y[1:8], samples$exact_no_ties$y[9:15]),
  two = list(samples$ties$x, samples$ties$y)
)
kruskal <- lapply(names(groups), function(nm) {
  r <- kruskal.test(groups[[nm]])
  list(name = nm, samples = groups[[nm]], statistic = unname(r$statistic),
       df = unname(r$parameter), p_value = r$p.value)
})

counts <- list(c(0, 10), c(2, 18), c(6, 24), c(10, 10), c(15, 24), c(12, 24), c(1, 1),
               c(3, 42), c(40, 42))
binom <- lapply(counts, function(xn) {
  one_level <- function(cl) {
    b <- binom.test(xn[1], xn[2], conf.level = cl)$conf.int
    w <- suppressWarnings(prop.test(xn[1], xn[2], conf.level = cl, correct = FALSE))$conf.int
    wc <- suppressWarnings(prop.test(xn[1], xn[2], conf.level = cl, correct = TRUE))$conf.int
    list(conf_level = cl, clopper_pearson = c(b[1], b[2]), wilson = c(w[1], w[2]),
         wilson_cc = c(wc[1], wc[2]))
  }
  list(x = xn[1], n = xn[2], levels = list(one_level(0.95), one_level(0.9)))
})

# Standardised differences, by the definitions tableone uses (Yang & Dalton 2012):
# continuous (m1 - m2) / sqrt((s1^2 + s2^2) / 2); categorical sqrt(T' S^- T) with T the
# differences in level proportions (first level dropped) and S the mean multinomial covariance.
smd_cont <- function(x, y) (mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2)
smd_cat <- function(counts) {
  p1 <- counts[1, ] / sum(counts[1, ]); p2 <- counts[2, ] / sum(counts[2, ])
  cv <- function(p) { p <- p[-1]; m <- -outer(p, p); diag(m) <- p * (1 - p); m }
  t <- (p1 - p2)[-1]
  S <- (cv(p1) + cv(p2)) / 2
  sqrt(drop(t(t) %*% ginv(S) %*% t))
}
smd <- list(
  continuous = lapply(c("exact_no_ties", "ties", "large"), function(nm) {
    list(sample = nm, estimate = smd_cont(samples[[nm]]$x, samples[[nm]]$y))
  }),
  categorical = lapply(c("trr", "hr_status", "ecog", "t2x3"), function(nm) {
    x <- tab(tables[[nm]])
    list(name = nm, table = x, estimate = smd_cat(x))
  })
)

out <- list(
  r_version = R.version.string,
  chisq = chisq, fisher_2x2 = fisher_2x2, fisher_rxc = fisher_rxc,
  samples = samples, wilcox = wilcox, kruskal = kruskal, binom = binom, smd = smd
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE),
           "tests.json")
