// SPDX-License-Identifier: Apache-2.0
#include "host/wire/udp.hpp"
