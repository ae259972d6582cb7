/// The sluice plugin SDK: include this one header.
#pragma once

#include "sluice/abi.h"
#include "sluice/context.hpp"
#include "sluice/error.hpp"
#include "sluice/keyed_state.hpp"
#include "sluice/plugin.hpp"
#include "sluice/record.hpp"
#include "sluice/stage.hpp"
