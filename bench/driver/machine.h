// The machine's ceilings as they are at this moment, measured in the same run as the workloads so
// MFU and bandwidth use are ratios against the machine under today's load, not a datasheet.
#pragma once

namespace r1::bench {

struct MachineRates {
  double sgemm_gflops = 0;    // fp32 C = A·B, square, through libtorch (so through its BLAS)
  double read_gb_per_s = 0;   // streaming read (a sum) of a buffer far larger than the caches
};

// Best of several repetitions at the thread settings in effect; takes ~2 s.
MachineRates measure_machine();

}  // namespace r1::bench
