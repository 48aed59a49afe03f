# bench_lookup: load factors, memory reads per lookup, lookups per cycle and native
# lookups/s of the conn_lookup kernel (included from bench/CMakeLists.txt).
add_executable(bench_lookup ${CMAKE_CURRENT_LIST_DIR}/lookup_bench.cpp)
target_link_libraries(bench_lookup PRIVATE tandem::options tandem::hls_conn_lookup)
