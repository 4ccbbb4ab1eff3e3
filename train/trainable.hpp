// What the training loop needs of a model: a LibTorch module with a forward pass.
#pragma once

#include <torch/torch.h>

namespace xbarsim::train {

class Trainable : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

}  // namespace xbarsim::train
