// Anchors the precompiled header of r1_torch (see CMakeLists.txt).
#include "torch_pch.h"
