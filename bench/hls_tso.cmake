# bench_hls_tso: the TSO kernel on 64 KiB jobs at MSS 536, 1448 and 8960: simulated
# cycles per job, output beats per cycle and Gbit/s at 322 MHz, and the native
# throughput of the C++ model.
add_executable(bench_hls_tso ${CMAKE_CURRENT_LIST_DIR}/hls_tso_bench.cpp)
target_link_libraries(bench_hls_tso PRIVATE tandem::options tandem::hls_tcp_segment tandem::wire)
