# bench_hls_rx: native throughput of rx_parser, checksum_rx and checksum_tx for 64,
# 1518 and 9000-byte frames, and their simulated cycles per frame.
add_executable(bench_hls_rx ${CMAKE_CURRENT_LIST_DIR}/hls_rx_bench.cpp)
target_link_libraries(bench_hls_rx PRIVATE tandem::options tandem::hls_rx_parser
                                           tandem::hls_checksum tandem::wire)
