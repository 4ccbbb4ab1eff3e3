#include "train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/error.hpp"
#include "common/parallel.hpp"

namespace xbarsim::train {

using workloads::LayerKind;
namespace nn = torch::nn;

SequentialNet::SequentialNet(const Architecture& arch, std::uint64_t init_seed) : arch_(arch) {
  torch::manual_seed(init_seed);
  for (const auto& op : arch_.ops) {
    switch (op.kind) {
      case LayerKind::Conv2d: {
        auto m = register_module(
            op.name, nn::Conv2d(nn::Conv2dOptions(op.in, op.out, op.kernel).stride(op.stride).padding(op.padding)));
        mods_.emplace_back(op.name, m);
        fns_.emplace_back([m](torch::Tensor x) { return m->forward(x); });
        break;
      }
      case LayerKind::Linear: {
        auto m = register_module(op.name, nn::Linear(op.in, op.out));
        mods_.emplace_back(op.name, m);
        fns_.emplace_back([m](torch::Tensor x) { return m->forward(x); });
        break;
      }
      case LayerKind::BatchNorm: {
        auto m = register_module(op.name, nn::BatchNorm2d(op.in));
        mods_.emplace_back(op.name, m);
        fns_.emplace_back([m](torch::Tensor x) { return m->forward(x); });
        break;
      }
      case LayerKind::Relu: fns_.emplace_back([](torch::Tensor x) { return torch::relu(x); }); break;
      case LayerKind::MaxPool2d: {
        const int k = op.kernel, s = op.stride, p = op.padding;
        fns_.emplace_back([k, s, p](torch::Tensor x) { return torch::max_pool2d(x, k, s, p); });
        break;
      }
      case LayerKind::AvgPool2d: {
        const int k = op.kernel, s = op.stride, p = op.padding;
        fns_.emplace_back([k, s, p](torch::Tensor x) { return torch::avg_pool2d(x, k, s, p); });
        break;
      }
      case LayerKind::Flatten: fns_.emplace_back([](torch::Tensor x) { return x.flatten(1); }); break;
      case LayerKind::Add:
        throw Error("train: architecture '" + arch_.name + "': add layers need a graph model, not a sequential one");
    }
  }
}

torch::Tensor SequentialNet::forward(torch::Tensor x) {
  for (auto& f : fns_) x = f(x);
  return x;
}

std::shared_ptr<torch::nn::Module> SequentialNet::module(const std::string& name) const {
  for (const auto& [n, m] : mods_) {
    if (n == name) return m;
  }
  throw Error("train: no module named '" + name + "'");
}

torch::Tensor images_tensor(const workloads::Dataset& data, const workloads::Normalization& norm, std::int64_t first,
                            std::int64_t n) {
  auto t = torch::empty({n, data.channels, data.height, data.width}, torch::kFloat32);
  workloads::normalize_images(data, norm, first, n, t.data_ptr<float>());
  return t;
}

torch::Tensor labels_tensor(const workloads::Dataset& data, std::int64_t first, std::int64_t n) {
  auto t = torch::empty({n}, torch::kInt64);
  auto* p = t.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = data.labels[static_cast<std::size_t>(first + i)];
  return t;
}

double evaluate(Trainable& net, const workloads::Dataset& data, const workloads::Normalization& norm, int batch,
                bool exact) {
  torch::NoGradGuard no_grad;
  net.eval();
  if (exact) net.to(torch::kFloat64);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < data.count; i += batch) {
    const std::int64_t n = std::min<std::int64_t>(batch, data.count - i);
    auto x = images_tensor(data, norm, i, n);
    if (exact) x = x.to(torch::kFloat64);
    auto pred = net.forward(x).argmax(1);
    correct += pred.eq(labels_tensor(data, i, n)).sum().item<std::int64_t>();
  }
  if (exact) net.to(torch::kFloat32);
  return static_cast<double>(correct) / static_cast<double>(data.count);
}

TrainResult train(Trainable& net, const workloads::Dataset& train_set, const workloads::Dataset& test_set,
                  const workloads::Normalization& norm, const TrainOptions& opt, const TrainHooks& hooks) {
  torch::manual_seed(opt.seed);
  torch::set_num_threads(static_cast<int>(resolve_threads(static_cast<unsigned>(opt.threads))));
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t n_train = opt.train_limit > 0 ? std::min(opt.train_limit, train_set.count) : train_set.count;
  const auto all_x = images_tensor(train_set, norm, 0, n_train);
  const auto all_y = labels_tensor(train_set, 0, n_train);

  torch::optim::Adam optimizer(net.parameters(), torch::optim::AdamOptions(opt.lr).weight_decay(opt.weight_decay));
  auto gen = at::detail::createCPUGenerator(opt.seed);
  TrainResult result;
  const std::int64_t steps_per_epoch = (n_train + opt.batch_size - 1) / opt.batch_size;
  const std::int64_t total_steps = steps_per_epoch * opt.epochs;
  std::int64_t step = 0;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    if (hooks.epoch_begin) hooks.epoch_begin(epoch);
    net.train();
    const auto perm = torch::randperm(n_train, gen, torch::kInt64);
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    for (std::int64_t b = 0; b < n_train; b += opt.batch_size) {
      const double lr =
          0.5 * opt.lr * (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total_steps)));
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      const auto idx = perm.slice(0, b, std::min(b + opt.batch_size, n_train));
      auto x = all_x.index_select(0, idx);
      const auto y = all_y.index_select(0, idx);
      if (opt.hflip) {
        const auto flip = torch::rand({x.size(0)}, gen).lt(0.5).view({-1, 1, 1, 1});
        x = torch::where(flip, x.flip({3}), x);
      }
      optimizer.zero_grad();
      const auto logits = net.forward(x);
      const auto loss = torch::nn::functional::cross_entropy(logits, y);
      loss.backward();
      optimizer.step();
      if (hooks.after_step) hooks.after_step();
      loss_sum += loss.item<double>() * static_cast<double>(x.size(0));
      correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
      ++step;
    }
    // Per-epoch progress in float32; callers that need the exact contract evaluate at the end.
    const double test_acc = evaluate(net, test_set, norm);
    result.epoch_test_accuracy.push_back(test_acc);
    result.train_accuracy = static_cast<double>(correct) / static_cast<double>(n_train);
    if (opt.verbose) {
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "epoch %2d/%d  loss %.4f  train %.2f%%  test %.2f%%  (%.0f s)\n", epoch + 1, opt.epochs,
                   loss_sum / static_cast<double>(n_train), 100.0 * result.train_accuracy, 100.0 * test_acc, t);
    }
  }
  result.test_accuracy = hooks.exact_eval || result.epoch_test_accuracy.empty()
                             ? evaluate(net, test_set, norm, 500, hooks.exact_eval)
                             : result.epoch_test_accuracy.back();
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

namespace {
workloads::Tensor to_tensor(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat32).contiguous();
  std::vector<std::int64_t> shape(c.sizes().begin(), c.sizes().end());
  workloads::Tensor out(workloads::DType::F32, shape);
  std::memcpy(out.raw(), c.data_ptr<float>(), out.nbytes());
  return out;
}
}  // namespace

workloads::Network export_network(const SequentialNet& net, const workloads::DatasetSpec& dataset,
                                  const std::string& weights_file) {
  workloads::Network out;
  const auto& arch = net.arch();
  out.name = arch.name;
  out.input_shape = arch.input_shape;
  out.dataset = dataset;
  out.weights_file = weights_file;
  for (const auto& op : arch.ops) {
    workloads::Layer L;
    L.name = op.name;
    L.kind = op.kind;
    switch (op.kind) {
      case LayerKind::Conv2d: {
        auto m = std::dynamic_pointer_cast<nn::Conv2dImpl>(net.module(op.name));
        L.in_channels = op.in;
        L.out_channels = op.out;
        L.kernel_size = {op.kernel, op.kernel};
        L.stride = {op.stride, op.stride};
        L.padding = {op.padding, op.padding};
        L.weight = op.name + ".weight";
        L.bias = op.name + ".bias";
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        break;
      }
      case LayerKind::Linear: {
        auto m = std::dynamic_pointer_cast<nn::LinearImpl>(net.module(op.name));
        L.in_features = op.in;
        L.out_features = op.out;
        L.weight = op.name + ".weight";
        L.bias = op.name + ".bias";
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        break;
      }
      case LayerKind::BatchNorm: {
        auto m = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(net.module(op.name));
        L.num_features = op.in;
        L.weight = op.name + ".weight";
        L.bias = op.name + ".bias";
        L.running_mean = op.name + ".running_mean";
        L.running_var = op.name + ".running_var";
        L.eps = m->options.eps();
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        out.tensors[L.running_mean] = to_tensor(m->running_mean);
        out.tensors[L.running_var] = to_tensor(m->running_var);
        break;
      }
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d:
        L.kernel_size = {op.kernel, op.kernel};
        L.stride = {op.stride, op.stride};
        L.padding = {op.padding, op.padding};
        break;
      default: break;
    }
    out.layers.push_back(L);
  }
  workloads::validate_and_infer(out, "export of '" + arch.name + "'");
  workloads::fold_batchnorm(out, "export of '" + arch.name + "'");
  return out;
}

}  // namespace xbarsim::train
