// Expected values come from Debian's python3-scipy 1.10.1 and python3-numpy
// 1.24.2, run once with /usr/bin/python3; the one-liner that produced each
// value sits above it. scikit-learn is not installed, so macro-F1 references
// follow its definitions by hand: labels = unique labels of gold and
// predicted, precision and recall with zero_division 0, F1 = 2PR/(P+R), mean.
#include "eval/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <iomanip>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Labels = std::vector<int64_t>;
using Scores = std::vector<double>;

// Relative tolerance for values that scipy computes with a different but
// equally careful summation order.
Approx close_to(double expected) { return Approx(expected).epsilon(1e-12).margin(0.0); }

// The macro-F1 reference, as a shell line; GOLD and PRED are substituted.
//   python3 -c "g=GOLD;p=PRED;L=sorted(set(g)|set(p));f=lambda c:(lambda tp,fp,fn:(lambda pr,rc:2*pr*rc/(pr+rc)
//     if pr+rc else 0.0)(tp/(tp+fp) if tp+fp else 0.0,tp/(tp+fn) if tp+fn else 0.0))(sum(a==c==b for a,b in zip(g,p)),
//     sum(b==c!=a for a,b in zip(g,p)),sum(a==c!=b for a,b in zip(g,p)));print(repr(sum(map(f,L))/len(L)))"

// Class 2 has four gold examples and is never predicted.
const Labels kNeverPredictedGold = {0, 0, 1, 1, 2, 2, 2, 0, 1, 2};
const Labels kNeverPredictedPred = {0, 1, 1, 1, 0, 0, 1, 0, 1, 0};
// The reference line above with GOLD and PRED set to the two vectors above.
constexpr double kNeverPredictedMacroF1 = 0.4166666666666667;

// Two correlated vectors of small integers for the numerical checks.
const Scores kK = {3, -1, 4, 1, -5, 9, 2, -6};
const Scores kM = {2, -3, 5, 0, -4, 7, 3, -2};
// python3 -c "from scipy.stats import pearsonr; print(repr(pearsonr([3,-1,4,1,-5,9,2,-6],[2,-3,5,0,-4,7,3,-2])[0]))"
constexpr double kKMPearson = 0.9162154149771209;

Scores transformed(const Scores& values, double scale, double offset) {
  Scores out;
  for (double v : values) out.push_back(v * scale + offset);
  return out;
}

}  // namespace

TEST_CASE("accuracy is the fraction of predictions equal to the gold label") {
  INFO("expected 6 correct of 8 = 0.75");
  CHECK(deberta::accuracy({0, 1, 2, 1, 0, 2, 1, 1}, {0, 1, 1, 1, 0, 2, 2, 1}) == 0.75);
}

TEST_CASE("macro-F1 scores a class that is never predicted as zero and still counts it") {
  INFO("expected (0.5 + 0.75 + 0) / 3 as the hand-written sklearn reference gives");
  CHECK(deberta::macro_f1(kNeverPredictedPred, kNeverPredictedGold, 3) == close_to(kNeverPredictedMacroF1));
}

TEST_CASE("macro-F1 scores a class that is predicted but absent from gold as zero and still counts it") {
  // GOLD=[0,1,1,0,1,0,0,1] PRED=[0,1,2,0,1,1,2,1] in the reference line.
  INFO("expected (2/3 + 0.75 + 0) / 3 as the hand-written sklearn reference gives");
  CHECK(deberta::macro_f1({0, 1, 2, 0, 1, 1, 2, 1}, {0, 1, 1, 0, 1, 0, 0, 1}, 3) == close_to(0.47222222222222215));
}

TEST_CASE("macro-F1 leaves out classes that occur in neither predictions nor gold") {
  // Classes 3, 4 and 5 occur nowhere: sklearn's inferred labels leave them
  // out, so the score must not fall to 1.25 / 6.
  INFO("expected the same score as with num_labels 3: " << std::setprecision(17) << kNeverPredictedMacroF1);
  CHECK(deberta::macro_f1(kNeverPredictedPred, kNeverPredictedGold, 6) == close_to(kNeverPredictedMacroF1));
}

TEST_CASE("macro-F1 rejects a label outside the label range") {
  CHECK_THROWS_WITH(deberta::macro_f1({0, 3}, {0, 1}, 3), Catch::Contains("predicted[1] is 3, outside [0, 3)"));
  CHECK_THROWS_WITH(deberta::macro_f1({0, 1}, {-1, 1}, 3), Catch::Contains("gold[0] is -1, outside [0, 3)"));
  CHECK_THROWS_AS(deberta::macro_f1({0}, {0}, 0), std::invalid_argument);
}

TEST_CASE("pearson matches scipy.stats.pearsonr") {
  // python3 -c "from scipy.stats import pearsonr; print(repr(pearsonr([0.3,1.7,2.2,3.9,4.1,5.6,6.0,7.45],
  //   [1.1,0.4,2.5,3.3,2.9,5.2,4.8,6.6])[0]))"
  const Scores x = {0.3, 1.7, 2.2, 3.9, 4.1, 5.6, 6.0, 7.45};
  const Scores y = {1.1, 0.4, 2.5, 3.3, 2.9, 5.2, 4.8, 6.6};
  INFO("expected scipy's 0.9521512719055627");
  CHECK(deberta::pearson(x, y) == close_to(0.9521512719055627));
}

TEST_CASE("pearson is unaffected by a large common offset") {
  // 1e8 + k/8 is exact in double; scipy gives kKMPearson for it too:
  // python3 -c "from scipy.stats import pearsonr; k=[3,-1,4,1,-5,9,2,-6]; m=[2,-3,5,0,-4,7,3,-2];
  //   print(repr(pearsonr([1e8+v/8 for v in k],[1e8+v/8 for v in m])[0]))"
  // The one-pass formula n*Sxy - Sx*Sy divides by zero on these values.
  INFO("expected scipy's " << std::setprecision(17) << kKMPearson);
  CHECK(deberta::pearson(transformed(kK, 0.125, 1e8), transformed(kM, 0.125, 1e8)) == close_to(kKMPearson));
}

TEST_CASE("pearson is unaffected by a tiny or huge common scale") {
  // Squares of 1e-170 underflow to 0 and squares of 1e300 overflow; scipy
  // gives 0.9162154149771209 and 0.9162154149771207 on them (the one-liner of
  // kKMPearson with v*1e-170 and v*1e300).
  INFO("expected scipy's " << std::setprecision(17) << kKMPearson << " at every scale");
  CHECK(deberta::pearson(transformed(kK, 1e-170, 0), transformed(kM, 1e-170, 0)) == close_to(kKMPearson));
  CHECK(deberta::pearson(transformed(kK, 1e300, 0), transformed(kM, 1e300, 0)) == close_to(kKMPearson));
}

TEST_CASE("average ranks give tied values the mean of their positions") {
  // python3 -c "from scipy.stats import rankdata; print(rankdata([0.5,1.0,1.0,2.2,3.0,3.0,3.0,4.1,4.8,4.8]).tolist())"
  const Scores expected = {1.0, 2.5, 2.5, 4.0, 6.0, 6.0, 6.0, 8.0, 9.5, 9.5};
  INFO("expected scipy.stats.rankdata's average ranks");
  CHECK(deberta::average_ranks({0.5, 1.0, 1.0, 2.2, 3.0, 3.0, 3.0, 4.1, 4.8, 4.8}) == expected);
  CHECK(deberta::average_ranks({3.0, 1.0, 3.0}) == Scores{2.5, 1.0, 2.5});
}

TEST_CASE("spearman matches scipy.stats.spearmanr with several groups of ties in both vectors") {
  // x ties in three groups (1.0 x2, 3.0 x3, 4.8 x2), y in two (2.2 x2, 3.6 x3):
  // python3 -c "from scipy.stats import spearmanr; print(repr(spearmanr([0.5,1.0,1.0,2.2,3.0,3.0,3.0,4.1,4.8,4.8],
  //   [0.0,1.4,0.8,2.2,3.6,2.2,3.6,3.6,5.0,4.4])[0]))"
  const Scores x = {0.5, 1.0, 1.0, 2.2, 3.0, 3.0, 3.0, 4.1, 4.8, 4.8};
  const Scores y = {0.0, 1.4, 0.8, 2.2, 3.6, 2.2, 3.6, 3.6, 5.0, 4.4};
  INFO("expected scipy's 0.9592523621756804");
  CHECK(deberta::spearman(x, y) == close_to(0.9592523621756804));
}

TEST_CASE("spearman and pearson differ on a monotonic relation with an outlier") {
  // python3 -c "from scipy.stats import pearsonr, spearmanr; x=list(range(1,11)); y=[1,2,3,4,5,6,7,8,9,100];
  //   print(repr(pearsonr(x,y)[0]), repr(spearmanr(x,y)[0]))"
  // gives 0.5933413819213817 and 0.9999999999999999 (1 up to rounding).
  const Scores x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const Scores y = {1, 2, 3, 4, 5, 6, 7, 8, 9, 100};
  INFO("expected pearson 0.5933413819213817 and spearman 1");
  CHECK(deberta::pearson(x, y) == close_to(0.5933413819213817));
  CHECK(deberta::spearman(x, y) == close_to(1.0));
}

TEST_CASE("perfectly anti-correlated vectors score minus one and never below") {
  // y = 5 - 2x; scipy's pearsonr and spearmanr give -1.0 and -0.9999999999999999:
  // python3 -c "from scipy.stats import pearsonr, spearmanr; x=[0.5,1.5,2.0,3.25,4.0]; y=[5-2*v for v in x];
  //   print(repr(pearsonr(x,y)[0]), repr(spearmanr(x,y)[0]))"
  const Scores x = {0.5, 1.5, 2.0, 3.25, 4.0};
  const Scores y = {4.0, 2.0, 1.0, -1.5, -3.0};
  INFO("expected -1 within 1e-12 and no value below -1");
  const double r = deberta::pearson(x, y);
  const double rho = deberta::spearman(x, y);
  CHECK(r == close_to(-1.0));
  CHECK(rho == close_to(-1.0));
  CHECK(r >= -1.0);
  CHECK(rho >= -1.0);
}

TEST_CASE("constant vectors score zero rather than NaN") {
  // scipy returns nan with a ConstantInputWarning here:
  // python3 -c "from scipy.stats import pearsonr; print(pearsonr([0.1]*3,[1,2,3])[0])"
  const Scores constant = {0.1, 0.1, 0.1};  // its computed mean is not exactly 0.1
  const Scores varying = {1.0, 2.0, 3.0};
  INFO("expected exactly 0.0, the defined score for an undefined correlation");
  CHECK(deberta::pearson(constant, varying) == 0.0);
  CHECK(deberta::pearson(varying, constant) == 0.0);
  CHECK(deberta::pearson(constant, constant) == 0.0);
  CHECK(deberta::spearman(constant, varying) == 0.0);
  CHECK(deberta::spearman(varying, constant) == 0.0);
  CHECK(deberta::spearman(constant, constant) == 0.0);
  CHECK(deberta::pearson({2.5}, {4.0}) == 0.0);
  CHECK(deberta::spearman({2.5}, {4.0}) == 0.0);
}

TEST_CASE("inputs of different lengths throw invalid_argument") {
  const char* expected = "they must be the same length";
  CHECK_THROWS_AS(deberta::accuracy({0, 1}, {0}), std::invalid_argument);
  CHECK_THROWS_WITH(deberta::accuracy({0, 1}, {0}), Catch::Contains("predicted has 2 values but gold has 1"));
  CHECK_THROWS_WITH(deberta::macro_f1({0}, {0, 1}, 2), Catch::Contains(expected));
  CHECK_THROWS_WITH(deberta::pearson({1, 2, 3}, {1, 2}), Catch::Contains(expected));
  CHECK_THROWS_WITH(deberta::spearman({1, 2}, {1, 2, 3}), Catch::Contains(expected));
  CHECK_THROWS_AS(deberta::spearman({1, 2}, {1, 2, 3}), std::invalid_argument);
}

TEST_CASE("empty inputs throw invalid_argument") {
  const char* expected = "there is nothing to score";
  CHECK_THROWS_AS(deberta::accuracy({}, {}), std::invalid_argument);
  CHECK_THROWS_WITH(deberta::accuracy({}, {}), Catch::Contains(expected));
  CHECK_THROWS_WITH(deberta::macro_f1({}, {}, 2), Catch::Contains(expected));
  CHECK_THROWS_WITH(deberta::pearson({}, {}), Catch::Contains(expected));
  CHECK_THROWS_WITH(deberta::spearman({}, {}), Catch::Contains(expected));
}

TEST_CASE("non-finite scores throw invalid_argument") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(deberta::pearson({1, nan, 3}, {1, 2, 3}), Catch::Contains("x[1] is nan"));
  CHECK_THROWS_WITH(deberta::pearson({1, 2, 3}, {1, 2, inf}), Catch::Contains("y[2] is inf"));
  CHECK_THROWS_AS(deberta::spearman({1, nan, 3}, {1, 2, 3}), std::invalid_argument);
  CHECK_THROWS_AS(deberta::average_ranks({1, nan}), std::invalid_argument);
}

TEST_CASE("compute_metrics returns each requested metric by name") {
  const auto classification =
      deberta::compute_metrics({"accuracy", "macro_f1"}, kNeverPredictedPred, kNeverPredictedGold, 3);
  REQUIRE(classification.size() == 2);
  // Five of ten agree.
  CHECK(classification.at("accuracy") == 0.5);
  CHECK(classification.at("macro_f1") == close_to(kNeverPredictedMacroF1));

  const auto regression = deberta::compute_metrics({"pearson", "spearman"}, kK, kM);
  REQUIRE(regression.size() == 2);
  CHECK(regression.at("pearson") == close_to(kKMPearson));
  // python3 -c "from scipy.stats import spearmanr;
  // print(repr(spearmanr([3,-1,4,1,-5,9,2,-6],[2,-3,5,0,-4,7,3,-2])[0]))"
  CHECK(regression.at("spearman") == close_to(0.9047619047619048));
}

TEST_CASE("compute_metrics rejects a metric name that does not fit the task") {
  CHECK_THROWS_WITH(deberta::compute_metrics({"f1"}, Labels{0}, Labels{0}, 2),
                    Catch::Contains("'f1' is not a classification metric"));
  CHECK_THROWS_WITH(deberta::compute_metrics({"accuracy"}, Scores{1, 2}, Scores{1, 2}),
                    Catch::Contains("'accuracy' is not a regression metric"));
}

TEST_CASE("roc_auc is the Mann-Whitney statistic, ties counting half, and empty for one class") {
  // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  CHECK(deberta::roc_auc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}).value() == Approx(0.75));
  CHECK(deberta::roc_auc({1.0, 1.0}, {false, true}).value() == Approx(0.5));
  CHECK(deberta::roc_auc({0.2, 0.9}, {false, true}).value() == Approx(1.0));
  INFO("expected no value when every label is the same");
  CHECK_FALSE(deberta::roc_auc({0.2, 0.9}, {true, true}).has_value());
}
