/* A Marxan-style annealer, the opponent of landkit's selection engine in bench_select.py.
 *
 * It follows Marxan's search (Ball, Possingham & Watts 2009, Marxan's manual): the score is
 *   cost + BLM * boundary + sum_f SPF * penalty_f * shortfall_f / target_f,
 * where penalty_f is the cost (with the unit's whole boundary times BLM) of the units a greedy pass
 * picks to meet feature f's target on its own; a run starts from a random selection (each unit with
 * probability PROP = 0.5), anneals with Connolly's adaptive schedule (the temperature falls geometrically
 * from the largest to the smallest positive change seen in a sample of random flips, NUMTEMP steps) over
 * NUMITNS random single-unit flips, then applies Marxan's iterative improvement (flips in random order
 * while any lowers the score). The best of RUNS runs is written out.
 *
 * Input (stdin, whitespace separated):
 *   n m k  blm spf  numitns numtemp runs seed
 *   cost[n]  exposed[n]  lock[n] (0 free, 1 locked in, -1 locked out)
 *   m lines: i j b            (edges, 0-based, each pair once)
 *   k lines: target penalty   (penalty: the greedy cost above, computed by the caller)
 *   nnz, then nnz lines: i f a  (amount of feature f in unit i)
 * Output (stdout): one line per run "run score cost boundary shortfall_features"; then "best" and the
 * 0/1 selection of the best run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng_state;
static double rnd(void) { /* xorshift64*, uniform in [0, 1) */
    rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int n, m, k, *lock_, *adj_ptr, *adj_nb, *am_ptr, *am_f;
static double blm, spf, *cost, *exposed, *adj_w, *am_a, *target, *penalty;

static double shortfall_term(const double *held) {
    double s = 0;
    for (int f = 0; f < k; f++)
        if (target[f] > 0 && held[f] < target[f]) s += spf * penalty[f] * (target[f] - held[f]) / target[f];
    return s;
}

/* score change of flipping unit i */
static double delta(int i, const char *x, const double *held) {
    double d = cost[i] + blm * exposed[i];
    for (int p = adj_ptr[i]; p < adj_ptr[i + 1]; p++) d += blm * adj_w[p] * (x[adj_nb[p]] ? -1.0 : 1.0);
    double sign = x[i] ? -1.0 : 1.0;
    d *= sign;
    for (int p = am_ptr[i]; p < am_ptr[i + 1]; p++) {
        int f = am_f[p];
        if (target[f] <= 0) continue;
        double before = held[f] < target[f] ? target[f] - held[f] : 0;
        double now = held[f] + sign * am_a[p];
        double after = now < target[f] ? target[f] - now : 0;
        d += spf * penalty[f] * (after - before) / target[f];
    }
    return d;
}

static void flip(int i, char *x, double *held) {
    double sign = x[i] ? -1.0 : 1.0;
    x[i] = !x[i];
    for (int p = am_ptr[i]; p < am_ptr[i + 1]; p++) held[am_f[p]] += sign * am_a[p];
}

static double score(const char *x, const double *held, double *c_out, double *b_out) {
    double c = 0, b = 0;
    for (int i = 0; i < n; i++) {
        if (!x[i]) continue;
        c += cost[i]; b += exposed[i];
        for (int p = adj_ptr[i]; p < adj_ptr[i + 1]; p++) if (!x[adj_nb[p]]) b += adj_w[p];
    }
    *c_out = c; *b_out = b;
    return c + blm * b + shortfall_term(held);
}

static int free_unit(void) { int i; do { i = (int)(rnd() * n); } while (lock_[i] != 0); return i; }

int main(void) {
    long numitns, numtemp; int runs; unsigned long long seed;
    if (scanf("%d %d %d %lf %lf %ld %ld %d %llu", &n, &m, &k, &blm, &spf, &numitns, &numtemp, &runs, &seed) != 9)
        return 2;
    cost = malloc(n * sizeof *cost); exposed = malloc(n * sizeof *exposed); lock_ = malloc(n * sizeof *lock_);
    for (int i = 0; i < n; i++) if (scanf("%lf", &cost[i]) != 1) return 2;
    for (int i = 0; i < n; i++) if (scanf("%lf", &exposed[i]) != 1) return 2;
    for (int i = 0; i < n; i++) if (scanf("%d", &lock_[i]) != 1) return 2;
    int *ei = malloc(m * sizeof *ei), *ej = malloc(m * sizeof *ej); double *eb = malloc(m * sizeof *eb);
    adj_ptr = calloc(n + 1, sizeof *adj_ptr);
    for (int e = 0; e < m; e++) {
        if (scanf("%d %d %lf", &ei[e], &ej[e], &eb[e]) != 3) return 2;
        adj_ptr[ei[e] + 1]++; adj_ptr[ej[e] + 1]++;
    }
    for (int i = 0; i < n; i++) adj_ptr[i + 1] += adj_ptr[i];
    adj_nb = malloc(2 * m * sizeof *adj_nb); adj_w = malloc(2 * m * sizeof *adj_w);
    int *fill = calloc(n, sizeof *fill);
    for (int e = 0; e < m; e++) {
        int a = ei[e], b = ej[e];
        adj_nb[adj_ptr[a] + fill[a]] = b; adj_w[adj_ptr[a] + fill[a]++] = eb[e];
        adj_nb[adj_ptr[b] + fill[b]] = a; adj_w[adj_ptr[b] + fill[b]++] = eb[e];
    }
    target = malloc(k * sizeof *target); penalty = malloc(k * sizeof *penalty);
    for (int f = 0; f < k; f++) if (scanf("%lf %lf", &target[f], &penalty[f]) != 2) return 2;
    long nnz; if (scanf("%ld", &nnz) != 1) return 2;
    int *ai = malloc(nnz * sizeof *ai), *af = malloc(nnz * sizeof *af); double *aa = malloc(nnz * sizeof *aa);
    am_ptr = calloc(n + 1, sizeof *am_ptr);
    for (long p = 0; p < nnz; p++) { if (scanf("%d %d %lf", &ai[p], &af[p], &aa[p]) != 3) return 2; am_ptr[ai[p] + 1]++; }
    for (int i = 0; i < n; i++) am_ptr[i + 1] += am_ptr[i];
    am_f = malloc(nnz * sizeof *am_f); am_a = malloc(nnz * sizeof *am_a);
    memset(fill, 0, n * sizeof *fill);
    for (long p = 0; p < nnz; p++) { int i = ai[p]; am_f[am_ptr[i] + fill[i]] = af[p]; am_a[am_ptr[i] + fill[i]++] = aa[p]; }

    char *x = malloc(n), *best_x = malloc(n); double *held = malloc(k * sizeof *held);
    int *order = malloc(n * sizeof *order);
    double best = INFINITY;
    rng_state = seed * 2654435761ULL + 88172645463325252ULL;
    for (int run = 0; run < runs; run++) {
        memset(held, 0, k * sizeof *held);
        for (int i = 0; i < n; i++) {
            x[i] = lock_[i] == 1 ? 1 : lock_[i] == -1 ? 0 : rnd() < 0.5;
            if (x[i]) for (int p = am_ptr[i]; p < am_ptr[i + 1]; p++) held[am_f[p]] += am_a[p];
        }
        /* Connolly's adaptive schedule: sample random flips (not applied) for the largest and smallest rise */
        double dmax = 0, dmin = INFINITY;
        for (long s = 0; s < numitns / 100 + 1; s++) {
            double d = delta(free_unit(), x, held);
            if (d > 0) { if (d > dmax) dmax = d; if (d < dmin) dmin = d; }
        }
        if (!(dmax > 0)) dmax = 1; if (!isfinite(dmin) || dmin <= 0) dmin = dmax * 1e-3;
        double t0 = dmax, t1 = dmin, temp = t0;
        long per_step = numitns / numtemp > 0 ? numitns / numtemp : 1;
        double factor = pow(t1 / t0, 1.0 / (double)numtemp);
        for (long it = 0; it < numitns; it++) {
            if (it > 0 && it % per_step == 0) temp *= factor;
            int i = free_unit();
            double d = delta(i, x, held);
            if (d < 0 || rnd() < exp(-d / temp)) flip(i, x, held);
        }
        /* iterative improvement in random order until no flip lowers the score */
        for (int i = 0; i < n; i++) order[i] = i;
        int improved = 1;
        while (improved) {
            improved = 0;
            for (int i = n - 1; i > 0; i--) { int j = (int)(rnd() * (i + 1)); int t = order[i]; order[i] = order[j]; order[j] = t; }
            for (int q = 0; q < n; q++) {
                int i = order[q];
                if (lock_[i] != 0) continue;
                if (delta(i, x, held) < -1e-12) { flip(i, x, held); improved = 1; }
            }
        }
        double c, b, s = score(x, held, &c, &b);
        int missed = 0;
        for (int f = 0; f < k; f++) if (target[f] > 0 && held[f] < target[f] * (1 - 1e-9)) missed++;
        printf("%d %.10g %.10g %.10g %d\n", run, s, c, b, missed);
        if (s < best) { best = s; memcpy(best_x, x, n); }
    }
    printf("best\n");
    for (int i = 0; i < n; i++) putchar(best_x[i] ? '1' : '0');
    putchar('\n');
    return 0;
}
