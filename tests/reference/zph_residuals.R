# Scaled Schoenfeld residuals of cox.zph (its $x and $y), transform "km", Efron ties.
# Writes tests/reference/zph_residuals.json; run from the repository root:
#   Rscript tests/reference/zph_residuals.R
library(survival)
library(jsonlite)
set.seed(11)
n <- 60
x <- rnorm(n)
g <- rbinom(n, 1, 0.5)
time <- round(rexp(n, exp(0.5 * x + 0.4 * g) / 10)) + 1  # integer days: ties
event <- rbinom(n, 1, 0.7)
d <- data.frame(time, event, x, g)
out <- list()
for (ties in c("efron", "breslow")) {
  f <- coxph(Surv(time, event) ~ x + g, d, ties = ties)
  z <- cox.zph(f, transform = "km")
  out[[ties]] <- list(x = as.numeric(z$x), y = unname(z$y), table = unname(z$table))
}
write_json(list(data = d, fits = out), "tests/reference/zph_residuals.json",
           digits = NA, auto_unbox = TRUE)
