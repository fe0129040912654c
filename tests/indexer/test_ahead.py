import threading

from indexer.ahead import file_size
from indexer.ahead import in_order


def _files(tmp_path, sizes):
    files = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"f{number:02}.txt"
        path.write_bytes(b"x" * size)
        files.append(path)
    return files


def test_work_done_in_forked_processes_comes_back_in_file_order(tmp_path):
    sizes = [5, 3000, 1, 40, 0, 700, 2, 90000, 6, 10]
    files = _files(tmp_path, sizes)

    # A window smaller than most files: each is sent only once the ones before it are taken.
    with in_order(file_size, files, processes=2, ahead_bytes=100) as results:
        assert list(results) == sizes
    assert threading.active_count() == 1  # the pool's threads are gone


def test_without_processes_the_work_is_done_here(tmp_path):
    files = _files(tmp_path, [4, 2])

    with in_order(file_size, [*files, tmp_path / "missing.txt"], 0, 1) as results:
        assert list(results) == [4, 2, 0]
