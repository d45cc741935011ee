from bench.markdown import _reindex_block, replace_block


def test_replace_block_rewrites_only_the_generated_part():
    text = (
        "# Results\n\nhand-written intro\n\n"
        "<!-- BEGIN GENERATED: scenarios -->\nold table\n<!-- END GENERATED: scenarios -->\n\n"
        "hand-written notes\n"
    )

    updated = replace_block(text, "scenarios", "new table")

    assert updated == (
        "# Results\n\nhand-written intro\n\n"
        "<!-- BEGIN GENERATED: scenarios -->\nnew table\n<!-- END GENERATED: scenarios -->\n\n"
        "hand-written notes\n"
    )


def test_replace_block_appends_a_missing_block():
    updated = replace_block("# Results\n", "wsgi_servers", "table")

    assert updated == (
        "# Results\n\n"
        "<!-- BEGIN GENERATED: wsgi_servers -->\ntable\n<!-- END GENERATED: wsgi_servers -->\n"
    )


def test_the_reindex_block_lists_every_type():
    block = _reindex_block(
        {
            "timestamp": "2026-11-26T23:00:00+00:00",
            "types": [
                {
                    "type": "article",
                    "documents": 100000,
                    "seconds": 96.3,
                    "documents_per_second": 1038,
                }
            ],
        }
    )

    assert "| article | 100,000 | 96.3 | 1,038 |" in block
    assert _reindex_block(None).startswith("Not measured yet")
