from bench.markdown import replace_block


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
