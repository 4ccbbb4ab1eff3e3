// The closed form of the data a mapped network moves per inference on its placed chip
// (docs/models.md, "Work, streams and the schedule"), computed from the network, the mapping and
// the layout alone: input rows fetched from tile buffers into IMA input registers, tensor rows
// delivered into the buffers of the tiles that read them (over the tile bus from the producer's
// own tile, over the interconnect otherwise), partial sums sent to a copy's home IMA, outputs
// gathered at a layer's home and sent to the host. The cycle-level chip moves exactly these bytes
// (tested); this is its independent count.
#pragma once

#include <vector>

#include "workloads/network.hpp"

namespace xbarsim::mapping {

struct MappedNetwork;

/// What one weighted layer causes to move per inference (the cycle-level statistics charge the
/// same bytes to the same layer: a stream's rows to the layer that produced them, the host's to
/// layer 0, an add's to its first operand's producer).
struct LayerTraffic {
  double fetch_bytes = 0;       ///< buffer reads into input registers
  double fetch_accesses = 0;    ///< those reads in accesses of buffer_width_bytes, per transfer rounded up
  double deliver_bytes = 0;     ///< rows written into tile buffers
  double deliver_accesses = 0;  ///< those writes in accesses, per row rounded up
  double bus_bytes = 0;         ///< over tile buses (fetches, same-tile rows and partial sums)
  double link_bytes = 0;        ///< injected into the interconnect (or the host link)
  double host_bytes = 0;        ///< of those, over the off-chip host link (inputs in, outputs out)
};

/// Per weighted layer (MappedNetwork::layers order), per inference. `net` is the quantized
/// network `mapped` was compiled from.
std::vector<LayerTraffic> closed_form_traffic(const workloads::Network& net, const MappedNetwork& mapped);

}  // namespace xbarsim::mapping
