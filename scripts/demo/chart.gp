# The demo's picture, drawn from lead_qual's views and fit_model()'s report.
# Inputs (written by run.sh): funnel.dat "stage leads conversion%",
# bands.dat "low leads reached", rules.dat "label current learned";
# variables outfile, auc_current, auc_learned.
set terminal pngcairo size 1800,560 font "DejaVu Sans,11"
set output outfile
set termoption noenhanced
set multiplot layout 1,3 title "lead_qual demo: 10,000 leads, 180 days of activity, sales' decisions replayed (default model)"
set style fill solid 0.8 border -1
set grid ytics

set title "Funnel: leads that reached each stage\n(lead_qual.stage_reached; % = conversion from the stage before)"
set style data histograms
set boxwidth 0.7
set ylabel "leads"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
plot "funnel.dat" using 2:xtic(1) notitle linecolor rgb "#3a7bd5", \
     "funnel.dat" using 0:2:(stringcolumn(3) eq "-" ? "" : stringcolumn(3) . "%") with labels offset 0,0.8 notitle
set offsets 0, 0, 0, 0

set title "Score bands against what sales decided\n(lead_qual.score_bands: reached opportunity or later)"
set style histogram clustered gap 1
set boxwidth 0.9 relative
set xlabel "score band (low edge)"
set ylabel "leads"
set y2label "reached opportunity or later (%)"
set y2range [0:100]
set y2tics
set key top left
set offsets 0, 0, graph 0.2, 0
plot "bands.dat" using 2:xtic(1) title "leads" linecolor rgb "#7aa6e8", \
     "bands.dat" using 0:($3 * 100.0 / $2) axes x1y2 with linespoints linewidth 2 pointtype 7 linecolor rgb "#d5533a" title "reached opportunity (%)"
unset y2label
unset y2tics
set offsets 0, 0, 0, 0
unset xlabel

set title sprintf("Current and learned points per rule (lead_qual.fit_model)\nholdout AUC for opportunity: current %s, learned %s", auc_current, auc_learned)
set style histogram clustered gap 1
set xtics rotate by -40 font ",9"
set ylabel "points"
set yrange [*:*]
set bmargin 9
set rmargin 6
set key top right
plot "rules.dat" using 2:xtic(1) title "current" linecolor rgb "#9aa5b1", \
     "rules.dat" using 3 title "learned" linecolor rgb "#2e9e5b"
unset multiplot
