# bench_cosim: cycles per frame, Gbit/s and percent of 100 GbE line rate of the
# RTL datapath (rtl/nic/nic_top) under Verilator, RX, TX and TSO, lookups per
# cycle at three table latencies, and co-simulation speed (included from
# bench/CMakeLists.txt; needs Verilator).
if(TANDEM_HAVE_VERILATOR)
  add_executable(bench_cosim ${CMAKE_CURRENT_LIST_DIR}/cosim_bench.cpp)
  target_link_libraries(bench_cosim PRIVATE tandem::options tandem::sim_device)
endif()
