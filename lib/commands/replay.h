// Replaying a recorded training run (a fixture's train_golden.json) through
// the trainer's own step, to check it against a log of another framework.
#pragma once

#include <ostream>
#include <string>

namespace deberta {

// Loads the classifier of `model_dir` (it must have a head) with every
// dropout probability set to 0, then runs the record's procedure: AdamW with
// its lr, betas, eps and weight_decay, the linear warmup/decay schedule of
// its warmup_steps and total_steps, clipping to max_grad_norm, and `steps`
// steps in train mode where step s takes batches[s % len(batches)]. Prints
// {"step", "loss", "lr", "grad_norm_before_clip"} per step, one JSON object a
// line, then {"final_logits": {"shape", "data"}} of final_inputs in eval mode.
// Throws std::runtime_error with one line naming the record and the field
// that is missing or malformed, or the step whose loss is not finite.
// It runs on `device` (--device).
void replay_training_record(const std::string& model_dir, const std::string& record_path, const std::string& device,
                            std::ostream& out);

}  // namespace deberta
