# bench_scaling: requests/s and connections/s with 1 and 2 per-core stacks on
# `soft`, and the 2-core/1-core ratio (included from bench/CMakeLists.txt).
find_package(Threads REQUIRED)
add_executable(bench_scaling ${CMAKE_CURRENT_LIST_DIR}/scaling_bench.cpp)
target_link_libraries(bench_scaling PRIVATE tandem::options tandem::soft tandem::stack
  Threads::Threads)
