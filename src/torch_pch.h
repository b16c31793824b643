// The one precompiled header of the torch layers. Headers under src/ include only the narrow torch
// headers they need; this file makes those includes cheap.
#pragma once
#include <torch/torch.h>
