/* report_html.c — the build report as one self-contained HTML page with inline SVG charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "export.h"

enum { MAX_BARS = 80, MAX_HISTS = 60, HIST_W = 360, HIST_H = 110, BAR_H = 16, LABEL_W = 300, BAR_W = 380 };

static const char STYLE[] =
    "body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:1100px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}"
    ".hists{display:flex;flex-wrap:wrap;gap:14px}.hist{border:1px solid #ddd;padding:6px}"
    ".hist p{margin:0 0 4px;font-size:12px;max-width:360px;overflow-wrap:anywhere}"
    "svg text{font:11px sans-serif}";

/* Text with &, <, > and " escaped. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

static const export_metric *metric(const export_report *r, const char *name)
{
    for (int i = 0; i < r->n_metrics; i++)
        if (!strcmp(r->metrics[i].name, name))
            return &r->metrics[i];
    return NULL;
}

static void summary(FILE *f, const export_report *r)
{
    fputs("<h2>Summary</h2>\n<table id=\"summary\">\n", f);
    for (int i = 0; i < r->n_plan; i++) {
        fputs("<tr><th>", f);
        esc(f, r->plan[i].name);
        fputs("</th><td>", f);
        esc(f, r->plan[i].text);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Float against quantized: accuracy bars side by side, then agreement and output SQNR. */
static void metrics(FILE *f, const export_report *r)
{
    const export_metric *ft = metric(r, "float_top1"), *qt = metric(r, "quant_top1");
    const export_metric *ag = metric(r, "top1_agreement"), *sq = metric(r, "output_sqnr_db"), *n = metric(r, "samples");
    if (!ag && !ft)
        return;
    fputs("<h2>Float vs quantized</h2>\n", f);
    if (ft && qt) {
        fputs("<svg id=\"accuracy\" width=\"520\" height=\"70\" role=\"img\" aria-label=\"top-1 accuracy\">\n", f);
        const export_metric *m[2] = {ft, qt};
        const char *names[2] = {"float", "quantized"}, *colors[2] = {"#4a78b5", "#e0892b"};
        for (int i = 0; i < 2; i++)
            fprintf(f,
                    "<text x=\"0\" y=\"%d\">%s</text><rect class=\"bar\" x=\"80\" y=\"%d\" width=\"%.1f\" height=\"22\" "
                    "fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.2f %%</text>\n",
                    20 + 30 * i, names[i], 5 + 30 * i, 360 * m[i]->value, colors[i], 86 + 360 * m[i]->value,
                    20 + 30 * i, 100 * m[i]->value);
        fputs("</svg>\n", f);
    }
    fputs("<table id=\"metrics\">\n", f);
    if (ft && qt)
        fprintf(f, "<tr><th>top-1</th><td class=\"n\">float %.2f %%</td><td class=\"n\">quantized %.2f %%</td>"
                   "<td class=\"n\">%+.2f points</td></tr>\n",
                100 * ft->value, 100 * qt->value, 100 * (qt->value - ft->value));
    if (ag)
        fprintf(f, "<tr><th>top-1 agreement</th><td class=\"n\">%.2f %%</td></tr>\n", 100 * ag->value);
    if (sq)
        fprintf(f, "<tr><th>output SQNR</th><td class=\"n\">%.1f dB</td></tr>\n", sq->value);
    if (n)
        fprintf(f, "<tr><th>samples</th><td class=\"n\">%.0f</td></tr>\n", n->value);
    fputs("</table>\n", f);
}

/* SQNR bars, worst first: red under 20 dB, orange under 30, green above. */
static void sqnr_chart(FILE *f, const char *id, const char *title, const export_metric *m, int n, const char *note)
{
    if (n <= 0)
        return;
    int shown = n < MAX_BARS ? n : MAX_BARS;
    double top = 1;
    for (int i = 0; i < shown; i++)
        if (isfinite(m[i].value) && m[i].value > top)
            top = m[i].value;
    fprintf(f, "<h2>%s</h2>\n<p>%s%s</p>\n", title, note,
            shown < n ? " Only the first entries are drawn; the JSON report has them all." : "");
    fprintf(f, "<svg id=\"%s\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">\n", id,
            LABEL_W + BAR_W + 70, shown * (BAR_H + 4) + 4, title);
    for (int i = 0; i < shown; i++) {
        double v = m[i].value, w = isfinite(v) ? fmax(v, 0) / top * BAR_W : BAR_W;
        const char *color = !isfinite(v) ? "#999" : v < 20 ? "#c8423b" : v < 30 ? "#e0892b" : "#3f9a4f";
        int y = 4 + i * (BAR_H + 4);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 12);
        esc(f, m[i].name);
        fprintf(f, "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", LABEL_W,
                y, w, BAR_H, color);
        if (isfinite(v))
            fprintf(f, "<text x=\"%.1f\" y=\"%d\">%.1f dB</text>\n", LABEL_W + w + 4, y + 12, v);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%d\">exact</text>\n", LABEL_W + w + 4, y + 12);
    }
    fputs("</svg>\n", f);
}

/* One histogram: bins inside the quantizer's range in blue, outside (clipped) in red, the range
 * shaded behind them with its bounds marked. */
static void hist_svg(FILE *f, const export_hist *h)
{
    double peak = 0, span = h->hi - h->lo > 0 ? h->hi - h->lo : 1;
    for (int b = 0; b < h->n_bins; b++)
        peak = fmax(peak, h->counts[b]);
    fputs("<div class=\"hist\"><p><b>", f);
    esc(f, h->tensor);
    fprintf(f, "</b> (%s): range [%.4g, %.4g], %.3f %% of %lld values clipped</p>\n", h->role, h->enc_min, h->enc_max,
            100 * h->clipped, (long long)h->n_values);
    fprintf(f, "<svg class=\"histogram\" width=\"%d\" height=\"%d\">\n", HIST_W, HIST_H + 14);
    double x0 = (h->enc_min - h->lo) / span * HIST_W, x1 = (h->enc_max - h->lo) / span * HIST_W;
    fprintf(f, "<rect class=\"range\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"#e8eef8\"/>\n",
            fmax(x0, 0), fmax(fmin(x1, HIST_W) - fmax(x0, 0), 1), HIST_H);
    double bw = (double)HIST_W / h->n_bins;
    for (int b = 0; b < h->n_bins; b++) {
        if (h->counts[b] <= 0)
            continue;
        double mid = h->lo + (b + 0.5) * span / h->n_bins;
        bool out = mid < h->enc_min || mid > h->enc_max;
        double bh = peak > 0 ? sqrt(h->counts[b] / peak) * (HIST_H - 2) : 0; /* sqrt: tails stay visible */
        fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                out ? "clipped" : "bin", b * bw, HIST_H - bh, fmax(bw - 0.5, 0.5), bh, out ? "#c8423b" : "#4a78b5");
    }
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#333\"/>"
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#333\"/>\n",
            x0, x0, HIST_H, x1, x1, HIST_H);
    fprintf(f, "<text x=\"0\" y=\"%d\">%.3g</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n",
            HIST_H + 12, h->lo, HIST_W, HIST_H + 12, h->hi);
    fputs("</svg></div>\n", f);
}

/* Weights against activations: which side's quantization costs the output more. */
static void split(FILE *f, const export_report *r)
{
    if (r->n_split <= 0)
        return;
    double worst = INFINITY;
    for (int i = 0; i < r->n_split; i++)
        worst = fmin(worst, r->split[i].value);
    sqnr_chart(f, "split", "Weights vs activations", r->split, r->n_split,
               "Output SQNR against float with only that side quantized, on the first evaluation batches.");
    for (int i = 0; i < r->n_split; i++)
        if (r->split[i].value == worst && isfinite(worst)) {
            fputs("<p id=\"split-verdict\">", f);
            esc(f, r->split[i].name);
            fputs(" cost more: widen that side first (wider bitwidths for the worst layers above).</p>\n", f);
            break;
        }
}

static void hists(FILE *f, const export_report *r)
{
    if (r->n_hists <= 0)
        return;
    fputs("<h2>Quantizer ranges against the data</h2>\n<p>Each tensor's values (bar heights on a square-root "
          "scale) with its quantizer's representable range shaded; red bins fall outside it and are clipped.",
          f);
    if (r->hist_source) {
        fputs(" Activations: ", f);
        esc(f, r->hist_source);
        fputc('.', f);
    }
    fputs("</p>\n<div class=\"hists\" id=\"hists\">\n", f);
    for (int i = 0; i < r->n_hists && i < MAX_HISTS; i++)
        hist_svg(f, &r->hists[i]);
    fputs("</div>\n", f);
}

static void quantizer_table(FILE *f, const export_quantizer *q, int n)
{
    fputs("<h2>Quantizers</h2>\n<table id=\"quantizers\"><tr><th>tensor</th><th>kind</th><th>bits</th>"
          "<th>granularity</th><th>scale</th><th>offset</th><th>range</th></tr>\n",
          f);
    for (int i = 0; i < n; i++) {
        const quant_encoding *c = &q[i].encs[0];
        fputs("<tr><td><code>", f);
        esc(f, q[i].tensor);
        fprintf(f, "</code></td><td>%s</td><td class=\"n\">%d%s</td><td>%s</td>", q[i].is_param ? "param" : "activation",
                c->bitwidth, c->kind == QUANT_FLOAT ? " float" : "",
                q[i].axis >= 0 ? "per-channel" : "per-tensor");
        if (c->kind == QUANT_FLOAT)
            fputs("<td></td><td></td><td></td></tr>\n", f);
        else
            fprintf(f, "<td class=\"n\">%.6g%s</td><td class=\"n\">%d</td><td class=\"n\">[%.4g, %.4g]</td></tr>\n",
                    c->scale, q[i].n_encs > 1 ? " (ch 0)" : "", c->offset, c->min, c->max);
    }
    fputs("</table>\n", f);
}

static void hash_rows(FILE *f, const export_text *t, int n)
{
    for (int i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        esc(f, t[i].name);
        fputs("</td><td><code>", f);
        esc(f, t[i].text);
        fputs("</code></td></tr>\n", f);
    }
}

static void provenance(FILE *f, const export_report *r, const export_text *art, int n_art)
{
    fputs("<h2>Provenance</h2>\n<table id=\"provenance\">\n", f);
    const export_text fixed[2] = {{"recipe (SHA-256 of every recipe file)", r->recipe_hash},
                                  {"model", r->model_hash}};
    hash_rows(f, fixed, 2);
    hash_rows(f, r->data_hashes, r->n_data_hashes);
    hash_rows(f, art, n_art);
    fputs("</table>\n", f);
}

/* The sensitivity ranking as a bar chart, most sensitive first (nothing when none was computed). */
static void ranking_chart(FILE *f, const export_report *r)
{
    export_metric *rows = mem_zalloc((size_t)r->n_ranking + 1, sizeof *rows);
    for (int i = 0; i < r->n_ranking; i++)
        rows[i] = (export_metric){r->ranking[i].op, r->ranking[i].sqnr_db};
    sqnr_chart(f, "sensitivity", "Sensitivity ranking", rows, r->n_ranking,
               "Output SQNR with only that op quantized, most sensitive first (the ranking most_sensitive rules "
               "use).");
    free(rows);
}

int export_report_html(const export_report *r, const export_quantizer *q, int n, const export_text *artifact_hashes,
                       int n_artifacts, char **text, qrc_err *e)
{
    *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (!f)
        return err_set(e, "report: out of memory");
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>qrc report</title>\n"
               "<style>%s</style></head><body>\n<h1>qrc quantization report</h1>\n",
            STYLE);
    summary(f, r);
    metrics(f, r);
    sqnr_chart(f, "sqnr", "Per-layer SQNR, worst first", r->layers, r->n_layers,
               "Each quantized tensor of the simulation against float on the evaluation data: the lower, the more "
               "that layer's quantization costs.");
    ranking_chart(f, r);
    split(f, r);
    hists(f, r);
    quantizer_table(f, q, n);
    provenance(f, r, artifact_hashes, n_artifacts);
    fputs("</body></html>\n", f);
    if (fclose(f) || !*text) {
        free(*text);
        *text = NULL;
        return err_set(e, "report: out of memory");
    }
    return 0;
}
