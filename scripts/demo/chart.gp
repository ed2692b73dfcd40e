# Funnel and score distribution of the demo, drawn from lead_qual's views.
# Inputs (written by run.sh): funnel.dat "stage leads conversion%", bands.dat "low leads reached".
set terminal pngcairo size 1200,500 font "DejaVu Sans,11"
set output outfile
set termoption noenhanced
set key top left
set multiplot layout 1,2 title "lead_qual demo: 10,000 leads, 180 days of activity (default model)"

set title "Funnel: leads that reached each stage (lead_qual.stage_reached)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by 0
set ylabel "leads"
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
# Above each bar: the conversion from the stage before it.
plot "funnel.dat" using 2:xtic(1) title "" linecolor rgb "#3a7bd5", \
     "funnel.dat" using 0:2:(stringcolumn(3) eq "-" ? "" : stringcolumn(3) . "%") with labels offset 0,0.8 title ""
set offsets 0, 0, 0, 0

set title "Score distribution and conversion (lead_qual.score_bands)"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9 relative
set xlabel "score band (low edge)"
set ylabel "leads"
set y2label "reached opportunity or later (%)"
set y2range [0:100]
set y2tics
set xtics rotate by 0
plot "bands.dat" using 2:xtic(1) title "leads" linecolor rgb "#7aa6e8", \
     "bands.dat" using 0:($3 * 100.0 / $2) axes x1y2 with linespoints linewidth 2 pointtype 7 linecolor rgb "#d5533a" title "conversion %"
unset multiplot
