# Key-tree benchmark plot: per single leave, transmissions and server CPU
# against group size, for both schemes and each degree, beside one unicast
# per member.  Called by `make bench` with datafile and outfile set.
set terminal pngcairo size 1200,500 font ",10"
set output outfile
set multiplot layout 1,2 title "Key tree: cost of one leave"
set logscale xy
set grid
set key top left
set xlabel "members"

sel(s, d, col) = (strcol(1) eq s && $2 == d) ? column(col) : 1/0

set ylabel "transmissions per leave"
plot datafile using 3:(sel("lkh", 2, 4)) with linespoints title "lkh d=2", \
     datafile using 3:(sel("lkh", 4, 4)) with linespoints title "lkh d=4", \
     datafile using 3:(sel("lkh", 8, 4)) with linespoints title "lkh d=8", \
     datafile using 3:(sel("offset", 2, 4)) with linespoints title "offset d=2", \
     datafile using 3:(sel("offset", 4, 4)) with linespoints title "offset d=4", \
     datafile using 3:(sel("offset", 8, 4)) with linespoints title "offset d=8", \
     datafile using 3:(sel("lkh", 2, 5)) with lines dashtype 2 lw 2 title "one unicast per member"

set ylabel "server CPU per leave (us, median)"
unset logscale y
set yrange [0:*]
plot datafile using 3:(sel("lkh", 2, 6)) with linespoints title "lkh d=2", \
     datafile using 3:(sel("lkh", 4, 6)) with linespoints title "lkh d=4", \
     datafile using 3:(sel("lkh", 8, 6)) with linespoints title "lkh d=8", \
     datafile using 3:(sel("offset", 2, 6)) with linespoints title "offset d=2", \
     datafile using 3:(sel("offset", 4, 6)) with linespoints title "offset d=4", \
     datafile using 3:(sel("offset", 8, 6)) with linespoints title "offset d=8", \
     50 with lines dashtype 2 title "50 us target"
unset multiplot
