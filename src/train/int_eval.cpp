#include "train/int_eval.h"

#include <algorithm>
#include <cstdlib>

#include "train/thread_pool.h"

namespace z80lm {

namespace {

constexpr double kExactFloat = 16777216.0;  // 2^24: every integer below is exact in float32
constexpr double kMaxShifted = 8192.0;      // |int16 >> 2| <= 8192
constexpr Eigen::Index kBlock = 256;        // examples per matrix product

// Wraps an exact accumulator like the Z80's 16-bit register and applies the shift and ReLU.
inline int16_t finish(int64_t acc, bool relu, IntEvalStats& st, int32_t& max_abs) {
  const int64_t a = acc < 0 ? -acc : acc;
  if (a > max_abs) max_abs = static_cast<int32_t>(std::min<int64_t>(a, INT32_MAX));
  if (acc < -32768 || acc > 32767) ++st.wrapped;
  const auto wrapped = static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint64_t>(acc) & 0xFFFFu));
  const auto y = static_cast<int16_t>(wrapped >> 2);
  return relu && y < 0 ? int16_t{0} : y;
}

inline int argmax_first16(const int16_t* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

}  // namespace

void IntEvalStats::add(const IntEvalStats& o) {
  examples += o.examples;
  counted += o.counted;
  correct += o.correct;
  wrapped += o.wrapped;
  if (max_abs_acc.size() < o.max_abs_acc.size()) max_abs_acc.resize(o.max_abs_acc.size(), 0);
  for (size_t k = 0; k < o.max_abs_acc.size(); ++k)
    max_abs_acc[k] = std::max(max_abs_acc[k], o.max_abs_acc[k]);
}

IntEvaluator::IntEvaluator(const Model& m) : model_(m) {
  for (const Layer& l : m.layers) {
    Eigen::MatrixXf c(l.n_out, l.n_in);
    for (int o = 0; o < l.n_out; ++o)
      for (int i = 0; i < l.n_in; ++i) c(o, i) = l.w[static_cast<size_t>(o) * l.n_in + i];
    codes_.push_back(std::move(c));
    Eigen::VectorXf b(l.n_out);
    for (int o = 0; o < l.n_out; ++o) b[o] = l.b[o];
    bias_.push_back(std::move(b));
  }
}

bool IntEvaluator::exact_in_float(const SparseInputs& x) const {
  if (2.0 * x.max_l1 + 32768.0 >= kExactFloat) return false;
  for (size_t k = 1; k < model_.layers.size(); ++k)
    if (2.0 * kMaxShifted * model_.layers[k].n_in + 32768.0 >= kExactFloat) return false;
  return true;
}

IntEvalStats IntEvaluator::evaluate(const SparseInputs& x, const int32_t* targets, size_t begin, size_t end,
                                    int16_t* outputs) const {
  if (!exact_in_float(x)) return evaluate_int64(x, targets, begin, end, outputs);
  const int layers = static_cast<int>(model_.layers.size());
  const int n_out = model_.output_size();
  IntEvalStats st;
  st.max_abs_acc.assign(layers, 0);
  Eigen::MatrixXf z, y;
  std::vector<int16_t> last;
  for (size_t r0 = begin; r0 < end; r0 += kBlock) {
    const auto cols = static_cast<Eigen::Index>(std::min<size_t>(kBlock, end - r0));
    for (int k = 0; k < layers; ++k) {
      if (k == 0) {
        z.resize(codes_[0].rows(), cols);
        for (Eigen::Index j = 0; j < cols; ++j) {
          auto zc = z.col(j);
          zc = bias_[0];
          const size_t r = r0 + static_cast<size_t>(j);
          for (uint32_t e = x.start[r]; e < x.start[r + 1]; ++e) zc += x.value[e] * codes_[0].col(x.index[e]);
        }
      } else {
        z.noalias() = codes_[k] * y;
        z.colwise() += bias_[k];
      }
      const bool hidden = k + 1 < layers;
      if (hidden)
        y.resize(z.rows(), cols);
      else
        last.resize(static_cast<size_t>(z.size()));
      for (Eigen::Index i = 0; i < z.size(); ++i) {
        const int16_t v = finish(static_cast<int64_t>(z.data()[i]), hidden, st, st.max_abs_acc[k]);
        if (hidden)
          y.data()[i] = v;
        else
          last[static_cast<size_t>(i)] = v;
      }
    }
    for (Eigen::Index j = 0; j < cols; ++j) {
      const int16_t* v = &last[static_cast<size_t>(j) * n_out];
      const size_t r = r0 + static_cast<size_t>(j);
      ++st.examples;
      if (outputs) std::copy(v, v + n_out, outputs + (r - begin) * n_out);
      if (targets && targets[r] >= 0) {
        ++st.counted;
        st.correct += argmax_first16(v, n_out) == targets[r];
      }
    }
  }
  return st;
}

IntEvalStats IntEvaluator::evaluate_int64(const SparseInputs& x, const int32_t* targets, size_t begin,
                                          size_t end, int16_t* outputs) const {
  const int layers = static_cast<int>(model_.layers.size());
  IntEvalStats st;
  st.max_abs_acc.assign(layers, 0);
  std::vector<int16_t> in, out;
  for (size_t r = begin; r < end; ++r) {
    in.assign(static_cast<size_t>(model_.input_size()), 0);
    for (uint32_t e = x.start[r]; e < x.start[r + 1]; ++e) in[x.index[e]] = static_cast<int16_t>(x.value[e]);
    for (int k = 0; k < layers; ++k) {
      const Layer& l = model_.layers[k];
      out.assign(static_cast<size_t>(l.n_out), 0);
      for (int o = 0; o < l.n_out; ++o) {
        int64_t acc = l.b[o];
        for (int i = 0; i < l.n_in; ++i) acc += int64_t{l.w[static_cast<size_t>(o) * l.n_in + i]} * in[i];
        out[o] = finish(acc, k + 1 < layers, st, st.max_abs_acc[k]);
      }
      in.swap(out);
    }
    ++st.examples;
    if (outputs) std::copy(in.begin(), in.end(), outputs + (r - begin) * in.size());
    if (targets && targets[r] >= 0) {
      ++st.counted;
      st.correct += argmax_first16(in.data(), static_cast<int>(in.size())) == targets[r];
    }
  }
  return st;
}

IntEvalStats int_evaluate(const Model& m, const SparseInputs& x, const int32_t* targets, ThreadPool& pool) {
  IntEvaluator ev(m);
  std::vector<IntEvalStats> parts(static_cast<size_t>(pool.size()));
  pool.run([&](int i) {
    parts[i] = ev.evaluate(x, targets, slice_begin(x.count, i, pool.size()),
                           slice_begin(x.count, i + 1, pool.size()));
  });
  IntEvalStats all;
  for (const auto& p : parts) all.add(p);
  return all;
}

}  // namespace z80lm
