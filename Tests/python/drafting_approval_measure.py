"""Ad-hoc measurement (not a test): N letters through SOP steps 2-3 against the real executables,
one sequential grpcio client, per-call p50/p90. Run after `swift build`:
    python3 Tests/python/drafting_approval_measure.py 300
"""
import sys, time, statistics, tempfile, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import conftest
conftest.compile_protos()
import grpc
from drafting_approval_support import DRAFTER, SEKRETARIS, Stubs, metadata, rid, start
data = pathlib.Path(tempfile.mkdtemp())
d = start("drafting", data); a = start("approval", data)
s = Stubs(); D, A = s.drafting, s.approval
dc = s.drafting_grpc.DraftingStub(grpc.insecure_channel(f"127.0.0.1:{d.port}"))
ac = s.approval_grpc.ApprovalStub(grpc.insecure_channel(f"127.0.0.1:{a.port}"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
lat = {"CreateDraft": [], "ParafDraft": [], "SubmitForReview": [], "Approve": [], "GetDraft": []}
t0 = time.perf_counter()
for i in range(N):
    t = time.perf_counter(); dr = dc.CreateDraft(D.CreateDraftRequest(request_id=rid(), content=s.content()), metadata=metadata(DRAFTER)); lat["CreateDraft"].append(time.perf_counter() - t)
    t = time.perf_counter(); p = dc.ParafDraft(D.ParafDraftRequest(request_id=rid(), draft_id=dr.id, revision=1, revision_digest=dr.latest_digest), metadata=metadata(DRAFTER)); lat["ParafDraft"].append(time.perf_counter() - t)
    t = time.perf_counter(); ac.SubmitForReview(A.SubmitForReviewRequest(request_id=rid(), draft_id=dr.id, revision=1, content=p.draft.revisions[-1].content, drafter_paraf=p.paraf), metadata=metadata(DRAFTER)); lat["SubmitForReview"].append(time.perf_counter() - t)
    t = time.perf_counter(); ac.Approve(A.ApproveRequest(request_id=rid(), draft_id=dr.id, revision_digest=p.paraf.revision_digest), metadata=metadata(SEKRETARIS)); lat["Approve"].append(time.perf_counter() - t)
    t = time.perf_counter(); dc.GetDraft(D.GetDraftRequest(draft_id=dr.id), metadata=metadata(DRAFTER)); lat["GetDraft"].append(time.perf_counter() - t)
total = time.perf_counter() - t0
for k, v in lat.items():
    v = sorted(v); print(f"{k:16s} p50 {statistics.median(v)*1000:.2f} ms  p90 {v[int(len(v)*0.9)]*1000:.2f} ms")
print(f"{N} letters through steps 2-3 (5 calls each) in {total:.2f} s = {N/total:.0f} letters/s, one client, sequential")
d.stop(); a.stop()
