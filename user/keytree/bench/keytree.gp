# Key-tree benchmark plot: per single leave, transmissions and server CPU
# against group size, for both schemes and each degree, beside one unicast
# per member.  Called by `make bench` with datafile and outfile set; the
# data has one block per scheme and degree (lkh d=2,4,8, offset d=2,4,8).
set terminal pngcairo size 1200,500 font ",10"
set output outfile
set multiplot layout 1,2 title "Key tree: cost of one leave"
set logscale x
set xrange [500:2e6]
set grid
set key top left
set xlabel "members"

titles = "lkh_d=2 lkh_d=4 lkh_d=8 offset_d=2 offset_d=4 offset_d=8"
name(i) = system(sprintf("echo %s | tr _ ' '", word(titles, i + 1)))

set logscale y
set ylabel "transmissions per leave"
plot for [i=0:5] datafile index i using 1:2 with linespoints title name(i), \
     datafile index 0 using 1:3 with lines dashtype 2 lw 2 \
          title "one unicast per member"

unset logscale y
set yrange [0:*]
set ylabel "server CPU per leave (us, median)"
plot for [i=0:5] datafile index i using 1:4 with linespoints title name(i), \
     50 with lines dashtype 2 title "50 us target"
unset multiplot
