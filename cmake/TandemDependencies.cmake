# Each dependency is found the way its project intends. Only Boost.Test (for the
# tests) and libpcap (for captures) are required; the backends that need DPDK,
# Verilator or XRT compile out when those are absent.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)

set(TANDEM_HAVE_DPDK OFF)
if(TANDEM_WITH_DPDK)
  pkg_check_modules(DPDK IMPORTED_TARGET libdpdk)
  if(DPDK_FOUND)
    set(TANDEM_HAVE_DPDK ON)
  endif()
endif()

set(TANDEM_HAVE_VERILATOR OFF)
if(TANDEM_WITH_VERILATOR)
  find_package(verilator HINTS $ENV{VERILATOR_ROOT} QUIET)
  if(verilator_FOUND)
    set(TANDEM_HAVE_VERILATOR ON)
  endif()
endif()

set(TANDEM_HAVE_XRT OFF)
if(TANDEM_WITH_XRT)
  find_package(XRT QUIET HINTS $ENV{XILINX_XRT}/share/cmake/XRT)
  if(XRT_FOUND)
    set(TANDEM_HAVE_XRT ON)
  endif()
endif()

if(TANDEM_BUILD_TESTS)
  find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
endif()
